#!/usr/bin/python3
"""Record cv2's letterbox of a few small frames for test/preprocess/letterbox.test.ts.

Run with the system python (OpenCV 4.6, numpy): /usr/bin/python3 make_letterbox_cases.py
It writes cases.json (frame sizes, network size, geometry) plus, per case, NAME.frame.bin (the
uint8 HWC frame) and NAME.letterbox.bin (the uint8 HWC S x S letterboxed image). The letterbox is
ultralytics' LetterBox(auto=False, scaleup=True, center=True) from ultralytics/data/augment.py,
restated here so the data does not depend on an ultralytics install.
"""
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def letterbox(img, size):
    shape = img.shape[:2]  # h, w
    r = min(size / shape[0], size / shape[1])
    new_unpad = int(round(shape[1] * r)), int(round(shape[0] * r))
    dw, dh = size - new_unpad[0], size - new_unpad[1]
    dw /= 2
    dh /= 2
    if shape[::-1] != new_unpad:
        img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    return img, dict(scale=r, width=new_unpad[0], height=new_unpad[1], left=left, top=top)


# (name, width, height, network size): landscape, portrait, smaller than S, odd sizes, 1x1,
# an exact 2x downscale (OpenCV's INTER_AREA path), half-pixel rounding of the new size, upscales.
CASES = [
    ("landscape_97x61", 97, 61, 64),
    ("portrait_23x71", 23, 71, 64),
    ("small_13x7", 13, 7, 64),
    ("odd_33x33", 33, 33, 32),
    ("one_1x1", 1, 1, 32),
    ("half_128x96", 128, 96, 64),
    ("half_even_129x256", 129, 256, 128),
    ("wide_200x9", 200, 9, 64),
    ("tall_5x150", 5, 150, 48),
    ("same_64x40", 64, 40, 64),
    ("up_41x29", 41, 29, 96),
]
# Plus a seeded sweep of small sizes, so rows of every length modulo 16 bytes are covered.
_sweep = np.random.default_rng(1313)
for _i in range(24):
    _w, _h, _s = (int(v) for v in (_sweep.integers(1, 70), _sweep.integers(1, 70), _sweep.choice([8, 16, 24, 40])))
    if round(min(_w, _h) * min(_s / _w, _s / _h)) >= 1:  # else the resized side is 0 px: cv2 (and yhc) refuse it
        CASES.append((f"sweep{_i:02d}_{_w}x{_h}", _w, _h, _s))


def main():
    rng = np.random.default_rng(13)
    meta = []
    for name, w, h, size in CASES:
        # Smooth content plus noise, so both flat and sharp neighbourhoods are exercised.
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([(xx * 255) // max(w - 1, 1), (yy * 255) // max(h - 1, 1), ((xx + yy) * 7) % 256], axis=-1)
        noise = rng.integers(0, 256, size=(h, w, 3))
        frame = np.where(rng.random((h, w, 1)) < 0.5, base, noise).astype(np.uint8)
        out, geometry = letterbox(frame, size)
        assert out.shape == (size, size, 3), (name, out.shape)
        frame.tofile(os.path.join(HERE, name + ".frame.bin"))
        out.tofile(os.path.join(HERE, name + ".letterbox.bin"))
        meta.append(dict(name=name, frameWidth=w, frameHeight=h, size=size, **geometry))
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(dict(opencv=cv2.__version__, cases=meta), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
