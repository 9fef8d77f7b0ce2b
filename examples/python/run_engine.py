"""Run a yhc build directory from Python on raw .bin inputs and print the detections.

    yhc compile examples/v10head_n.onnx -o build/v10head_n --target host
    python3 examples/python/run_engine.py build/v10head_n \
        p3=test/data/fixtures/v10head_n.input.p3.bin p4=test/data/fixtures/v10head_n.input.p4.bin \
        p5=test/data/fixtures/v10head_n.input.p5.bin
"""
import struct
import sys

from yhc_engine import Engine


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    files = dict(arg.split("=", 1) for arg in argv[1:])
    with Engine(argv[0]) as engine:
        inputs = {}
        for info in engine.inputs:
            with open(files[info["name"]], "rb") as f:
                inputs[info["name"]] = f.read()
        outputs = engine.run(inputs)
        for info in engine.outputs:
            data = outputs[info["name"]]
            raw = data.tobytes() if hasattr(data, "tobytes") else data
            print(f"{info['name']} {info['dtype']}{info['shape']}")
            if info["dtype"] == "float32" and info["shape"][-1] == 6:
                rows = struct.unpack(f"<{len(raw) // 4}f", raw)
                print("  x1       y1       x2       y2       score   class")
                for r in range(min(5, len(rows) // 6)):
                    x1, y1, x2, y2, score, cls = rows[r * 6 : r * 6 + 6]
                    print(f"  {x1:8.2f} {y1:8.2f} {x2:8.2f} {y2:8.2f} {score:7.4f} {int(cls):5d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
