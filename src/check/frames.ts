import type { FrameInput } from '../../passes/letterbox_input.js';
import { boxLayout } from '../../passes/letterbox_input.js';
import { SeededRandom } from '../golden/random.js';
import type { Reference } from '../golden/num_dets.js';
import { boxesToFrame, letterbox, letterboxGeometry } from '../preprocess/letterbox.js';

/**
 * `yhc check` of an --input-format rgb8|bgr8 build: the engine takes uint8 frames; the reference
 * is onnxruntime on the float model fed the reference letterbox of the same frames
 * (src/preprocess/letterbox.ts), its boxes mapped to frame pixels (boxesToFrame) the way the
 * engine maps its own (passes/letterbox_input.ts: detections' x1 y1 x2 y2 columns, a raw head's
 * cx cy w h rows). docs/golden_rules.md, "Frames in".
 */

/** A frame size [width, height]. */
export type FrameSize = readonly [number, number];

/**
 * The frame sizes check runs on: the largest frame, a portrait and a landscape third of it, and a
 * small odd-sized one — each that still letterboxes to at least one pixel a side.
 */
export function checkFrameSizes(frame: FrameInput, size: number): FrameSize[] {
  const { width: w, height: h } = frame;
  const third = (v: number) => Math.max(1, Math.ceil(v / 3));
  const candidates: FrameSize[] = [
    [w, h],
    [third(w), h],
    [w, third(h)],
    [Math.min(w, 37), Math.min(h, 23)],
  ];
  const seen = new Set<string>();
  return candidates.filter(([fw, fh]) => {
    const key = `${fw}x${fh}`;
    if (seen.has(key)) return false;
    seen.add(key);
    try {
      letterboxGeometry(fw, fh, size);
      return true;
    } catch {
      return false;
    }
  });
}

/** Seeded uniform uint8 frames [B, H, W, 3] (the largest frame; image n fills its sizes[n] corner) and frame_size [B, 2]. */
export function frameInputs(frame: FrameInput, sizes: readonly FrameSize[], seed: number): { frames: Uint8Array; frameSize: Int32Array } {
  const rng = new SeededRandom(seed);
  const frames = new Uint8Array(sizes.length * frame.height * frame.width * 3);
  for (let i = 0; i < frames.length; i++) frames[i] = Math.floor(rng.uniform() * 256);
  return { frames, frameSize: Int32Array.from(sizes.flat()) };
}

/** The reference network input [B, 3, S, S]: each image's corner letterboxed. */
export function letterboxedImages(frame: FrameInput, frames: Uint8Array, frameSize: Int32Array, size: number): Float32Array {
  const batch = frameSize.length / 2;
  const out = new Float32Array(batch * 3 * size * size);
  for (let n = 0; n < batch; n++) {
    const [w, h] = [frameSize[2 * n]!, frameSize[2 * n + 1]!];
    const data = new Uint8Array(w * h * 3);
    const base = n * frame.height * frame.width * 3;
    for (let y = 0; y < h; y++) data.set(frames.subarray(base + y * frame.width * 3, base + y * frame.width * 3 + w * 3), y * w * 3);
    out.set(letterbox({ data, width: w, height: h, order: frame.format === 'rgb8' ? 'rgb' : 'bgr' }, size), n * 3 * size * size);
  }
  return out;
}

/** The reference's box outputs in frame pixels (others as they are). */
export function referenceInFrames(reference: Reference, frameSize: Int32Array, size: number): Reference {
  const out: Reference = {};
  for (const [name, t] of Object.entries(reference)) {
    const layout = t.data instanceof Float32Array ? boxLayout({ shape: [...t.dims], dtype: 'float32' }) : null;
    if (!layout) {
      out[name] = t;
      continue;
    }
    const [batch, d1, d2] = t.dims as [number, number, number];
    const data = Float32Array.from(t.data as Float32Array);
    for (let n = 0; n < batch; n++) {
      const g = letterboxGeometry(frameSize[2 * n]!, frameSize[2 * n + 1]!, size);
      const image = data.subarray(n * d1 * d2, (n + 1) * d1 * d2);
      if (layout === 'xyxy') image.set(boxesToFrame(image, g, { stride: d2 }));
      else {
        const four = new Float32Array(4 * d2);
        for (let a = 0; a < d2; a++) for (let r = 0; r < 4; r++) four[4 * a + r] = image[r * d2 + a]!;
        const mapped = boxesToFrame(four, g, { xywh: true });
        for (let a = 0; a < d2; a++) for (let r = 0; r < 4; r++) image[r * d2 + a] = mapped[4 * a + r]!;
      }
    }
    out[name] = { ...t, data };
  }
  return out;
}
