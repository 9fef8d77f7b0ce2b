"""GPU benchmark: yhc's engine (CUDA graph replay) against PyTorch eager and
torch.compile(mode="max-autotune") on the same ONNX weights, in one run, on one card.

For a GPU machine with nvcc and python3 (torch, numpy, onnx) but no Node. On the Node side:

    bench/prepare_gpu.sh            # yhc compile --no-build: out/bench/<model>[_b32]

then, on the GPU machine, with the repository and out/bench:

    python3 bench/gpu_bench.py out/bench/* --models test/data/fixtures --json bench/gpu_bench.json

Per build directory (one model at one batch): build the engine with nvcc (tools/gpu/gpu_check.py's
build), evaluate the ONNX model with PyTorch ops (bench/torch_onnx.py), check yhc's outputs
against PyTorch's fp32 outputs (the golden rules of tools/gpu/yhc_compare.py), then time, with
CUDA events after warm-up, the median over `--repeats` of the mean of `--inner` back-to-back runs:
yhc_engine_run (a CUDA graph replay), PyTorch eager and torch.compile — all three at the build's
precision (manifest precision.storage: fp32, or fp16 from `yhc compile --precision fp16`, checked
at 1e-2 relative; PyTorch then runs the whole graph in half). Decoder-only builds
(bench/decoder_model.mjs: 8,400 or 33,600 anchors x 80 classes -> 300) are timed against the
PyTorch postprocess of bench/torch_decoder.py (DFL, boxes, sigmoid, two torch.topk).
Prints one table; --json writes the rows.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "gpu"))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "python"))
import torch  # noqa: E402
from gpu_check import build  # noqa: E402
from torch_decoder import TorchDecoder  # noqa: E402
from torch_onnx import TorchOnnx  # noqa: E402
from yhc_compare import FP16_RTOL, FP32_RTOL, compare_dense, compare_detections, looks_like_detections  # noqa: E402
from yhc_engine import Engine  # noqa: E402


def time_us(fn, warmup, repeats, inner):
    """Median over `repeats` of the mean time of `inner` back-to-back calls, by CUDA events (µs)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end) * 1000.0 / inner)
    return statistics.median(samples)


class DeviceEngine(Engine):
    """The yhc engine run on device tensors and the current torch stream (yhc_engine_run)."""

    def bind(self, inputs, outputs):
        self.in_ptrs = (ctypes.c_void_p * len(inputs))(*[t.data_ptr() for t in inputs])
        self.out_ptrs = (ctypes.c_void_p * len(outputs))(*[t.data_ptr() for t in outputs])

    def launch(self):
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        if self.lib.yhc_engine_run(self.handle, self.in_ptrs, self.out_ptrs, stream) != 0:
            raise RuntimeError(self.last_error())


def check(info, got, ref, rtol):
    g, r = got.float().cpu().numpy().reshape(-1).tolist(), ref.float().cpu().numpy().reshape(-1).tolist()
    if looks_like_detections(info["shape"], info["dtype"]):
        c = compare_detections(g, r, info["shape"], rtol)
        return c["ok"], f"{c['matched']}/{c['rows']} rows" if c["ok"] else c["problem"]
    c = compare_dense(g, r, rtol)
    return c["ok"], f"max rel {c['max_rel']:.1e}"


def time_torch(fn, x, args):
    """PyTorch eager and torch.compile timings of fn(**x): (eager µs, compiled µs or None, note)."""
    eager_us = time_us(lambda: fn(**x), args.warmup, args.repeats, args.inner)
    compiled_us, note = None, ""
    if not args.no_compile:
        try:
            t0 = time.perf_counter()
            compiled = torch.compile(lambda **kw: fn(**kw), mode=args.compile_mode)
            compiled(**x)
            torch.cuda.synchronize()
            note = f"compiled in {time.perf_counter() - t0:.0f} s"
            compiled_us = time_us(lambda: compiled(**x), args.warmup, args.repeats, args.inner)
        except Exception as e:  # noqa: BLE001 — report, do not abort the table
            note = f"torch.compile failed: {type(e).__name__}: {str(e)[:120]}"
    return eager_us, compiled_us, note


def bench_decoder(build_dir, manifest, args):
    """A decoder-only build (bench/decoder_model.mjs): yhc's three decoder kernels against the
    PyTorch postprocess (bench/torch_decoder.py), eager and compiled, on the same random inputs."""
    node = manifest["kernels"][0]["nodes"][0]
    levels = [tuple(i["shape"][2:]) for i in manifest["inputs"] if i["name"].startswith("box")]
    nc = next(i["shape"][1] for i in manifest["inputs"] if i["name"].startswith("cls"))
    max_det = manifest["outputs"][0]["shape"][1]
    library = build(build_dir, "cuda", args.arch, args.jobs)
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    feeds = {i["name"]: torch.randn(i["shape"], generator=gen).cuda() for i in manifest["inputs"]}
    net = TorchDecoder(levels, nc, max_det=max_det)
    reference = net(**feeds)
    with DeviceEngine(build_dir, library=library) as engine:
        out = torch.full(manifest["outputs"][0]["shape"], float("nan"), device="cuda")
        engine.bind([feeds[i["name"]].contiguous() for i in manifest["inputs"]], [out])
        engine.launch()
        torch.cuda.synchronize()
        ok, detail = check(manifest["outputs"][0], out, reference, FP32_RTOL)
        yhc_us = time_us(engine.launch, args.warmup, args.repeats, args.inner)
    eager_us, compiled_us, note = time_torch(net, feeds, args)
    anchors = sum(h * w for h, w in levels)
    return [{
        "model": f"decoder {anchors}x{nc}->{max_det} ({node['opType']})", "batch": manifest["batch"], "precision": "fp32",
        "gpu": torch.cuda.get_device_name(), "yhc_us": yhc_us, "eager_us": eager_us, "compile_us": compiled_us,
        "speedup_vs_compile": (compiled_us / yhc_us) if compiled_us else None,
        "yhc_check": ("ok" if ok else "MISMATCH") + "; " + detail, "note": note,
    }]


def bench_build(build_dir, args):
    with open(os.path.join(build_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if all(n["opType"] == "YoloDecode" for k in manifest["kernels"] for n in k["nodes"]):
        return bench_decoder(build_dir, manifest, args)
    model = manifest["model"]["name"]
    batch = manifest["batch"]
    precision = manifest.get("precision", {}).get("storage", "fp32")
    dtype, rtol = (torch.float16, FP16_RTOL) if precision == "fp16" else (torch.float32, FP32_RTOL)
    library = build(build_dir, "cuda", args.arch, args.jobs)
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    feeds = {i["name"]: torch.randn(i["shape"], generator=gen).cuda() for i in manifest["inputs"]}
    reference = TorchOnnx(os.path.join(args.models, f"{model}.onnx"), dtype=torch.float32)(**feeds)

    # yhc: float32 inputs and outputs whatever the storage; checked against PyTorch in fp32.
    with DeviceEngine(build_dir, library=library) as engine:
        outs = [torch.full(o["shape"], float("nan"), device="cuda") for o in manifest["outputs"]]
        engine.bind([feeds[i["name"]].contiguous() for i in manifest["inputs"]], outs)
        engine.launch()
        torch.cuda.synchronize()
        verdicts = [check(o, t, reference[o["name"]], rtol) for o, t in zip(manifest["outputs"], outs)]
        yhc_ok = all(ok for ok, _ in verdicts)
        yhc_us = time_us(engine.launch, args.warmup, args.repeats, args.inner)

    net = TorchOnnx(os.path.join(args.models, f"{model}.onnx"), dtype=dtype)
    x = {k: v.to(dtype) for k, v in feeds.items()}
    eager_us, compiled_us, compile_note = time_torch(net, x, args)
    return [{
        "model": model, "batch": batch, "precision": precision, "gpu": torch.cuda.get_device_name(),
        "yhc_us": yhc_us, "eager_us": eager_us, "compile_us": compiled_us,
        "speedup_vs_compile": (compiled_us / yhc_us) if compiled_us else None,
        "yhc_check": ("ok" if yhc_ok else "MISMATCH") + "; " + "; ".join(d for _, d in verdicts),
        "note": compile_note,
    }]


def fmt(x):
    return "-" if x is None else f"{x:.1f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+", help="build directories (yhc compile --no-build output)")
    p.add_argument("--models", required=True, help="directory holding MODEL.onnx for each build")
    p.add_argument("--arch", default=None, help="sm_XX (default: the card's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--inner", type=int, default=20)
    p.add_argument("--compile-mode", default="max-autotune")
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile (its autotuning takes minutes)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--json", help="write the rows as JSON here")
    args = p.parse_args()
    if not torch.cuda.is_available():
        print("gpu_bench: no CUDA device", file=sys.stderr)
        return 2
    if args.arch is None:
        major, minor = torch.cuda.get_device_capability()
        args.arch = f"sm_{major}{minor}"
    rows = []
    for b in args.builds:
        rows += bench_build(b, args)
    print(f"GPU: {torch.cuda.get_device_name()}  torch {torch.__version__}  (µs per run, median of {args.repeats} x {args.inner} runs)")
    print(f"{'model':<32} {'batch':>5} {'prec':<5} {'yhc':>9} {'eager':>9} {'compile':>9} {'yhc vs compile':>15}  check")
    for r in rows:
        speed = "-" if r["speedup_vs_compile"] is None else f"{r['speedup_vs_compile']:.2f}x"
        print(f"{r['model']:<32} {r['batch']:>5} {r['precision']:<5} {fmt(r['yhc_us']):>9} {fmt(r['eager_us']):>9} {fmt(r['compile_us']):>9} {speed:>15}  {r['yhc_check']} {r['note']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2)
    return 0 if all(r["yhc_check"].startswith("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
