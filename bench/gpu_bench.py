"""GPU benchmark: yhc's engine (CUDA graph replay) against PyTorch eager and torch.compile on the
same ONNX weights, in one run, on one card.

For a GPU machine with nvcc and python3 (torch, numpy, onnx, onnxruntime) but no Node. Prepare on
the Node side with tools/gpu/prepare.sh (out/carry), then tools/gpu/device_run.sh runs, there:

    python3 bench/gpu_bench.py out/carry/builds/v10head_n_fp16 ... \\
        --models test/data/fixtures:out/carry/models --json out/device/gpu_bench.json --budget-s 300

Per build directory (one model at one batch and precision), each phase capped and the whole run
held to --budget-s:
  build    the engine (tools/gpu/build.py; --reuse-build takes what build.py made)
  ref      onnxruntime (CPU) on seeded N(0, 1) inputs: the reference all three are checked against
           (decoder-only builds hold an ai.yhc op onnxruntime lacks: PyTorch fp32 eager instead)
  trace    the ONNX graph evaluated once with PyTorch ops (bench/torch_onnx.py) under make_fx: a
           flat aten GraphModule holding the weights on the device — no per-forward attribute
           parsing or host-to-device copies; torch._dynamo.explain counts its graphs and breaks
  yhc      yhc_engine_run (a CUDA graph replay) on device tensors
  eager    the traced GraphModule
  compile  torch.compile(GraphModule, mode=--compile-mode; default reduce-overhead, CUDA graphs
           like yhc); --autotune-row BUILD adds one max-autotune row if the budget allows
All three run at the build's precision (manifest precision.storage: fp32, or fp16 from
`yhc compile --precision fp16`, checked at 1e-2 relative; PyTorch then runs the whole graph in
half). fp32 PyTorch runs with TF32 off (cuDNN conv and matmul in IEEE fp32), like yhc's fp32 on
CUDA cores. Times: median over --repeats of the mean of --inner back-to-back runs, after
--warmup, by CUDA events. Decoder-only builds (bench/decoder_model.mjs) are timed against the
PyTorch postprocess of bench/torch_decoder.py.

A quantized model run in int8 (its kernels hold QConv or Q/DQ ops) is checked against
onnxruntime with graph optimizations off by the quantized rule (80% of the reference detections
scoring >= 0.25 found; tools/gpu/yhc_compare.py) and gets no PyTorch rows (bench/torch_onnx.py has
no quantization ops); a build directory holding baseline.txt (tools/gpu/prepare.sh, from a
`vs=BUILD` role in tools/gpu/builds.txt) gets the "vs baseline" column: BUILD's yhc time over its
own — issue 11's int8 against fp16.

Each row is printed when done and --json is rewritten at once; a failing phase ends its row with
the error and the next build goes on; what the budget leaves out is a SKIPPED row.
--dry-run rehearses all of it on the CPU: torch on the CPU (wall-clock timing), engines built by
g++ against yhc's host emulation.
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
import numpy as np  # noqa: E402
import torch  # noqa: E402
from budget import Budget, PhaseTimeout, Stopped, stop_on_signals  # noqa: E402
from build import build  # noqa: E402
from gpu_check import describe, find_file, is_quantized, read_manifest, search_path  # noqa: E402
from report import Column, RowLog, first_line, fixed  # noqa: E402
from torch_decoder import TorchDecoder  # noqa: E402
from torch_onnx import TorchOnnx  # noqa: E402
from yhc_compare import (FP16_RTOL, FP32_RTOL, compare_dense, compare_detections, detection_shift,  # noqa: E402
                         looks_like_detections, quantized_detections_ok)
from yhc_engine import Engine  # noqa: E402


def disable_tf32():
    """IEEE fp32 for cuDNN convs and matmuls (the new flags only: mixing them with the legacy
    allow_tf32 ones is an error in torch >= 2.9). Returns what was set, for the table."""
    try:
        torch.backends.cudnn.conv.fp32_precision = "ieee"
        torch.backends.cudnn.rnn.fp32_precision = "ieee"
        torch.backends.cuda.matmul.fp32_precision = "ieee"
        return "TF32 off (cudnn.conv, cuda.matmul fp32_precision=ieee)"
    except AttributeError:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        return "TF32 off (allow_tf32=False)"


class Device:
    """Where torch runs and how time is taken: CUDA events on the GPU, the wall clock on the CPU."""

    def __init__(self, dry_run):
        self.kind = "cpu" if dry_run else "cuda"
        self.target = "host" if dry_run else "cuda"

    def sync(self):
        if self.kind == "cuda":
            torch.cuda.synchronize()

    def name(self):
        return "CPU (dry run)" if self.kind == "cpu" else torch.cuda.get_device_name()

    def stream(self):
        return ctypes.c_void_p(torch.cuda.current_stream().cuda_stream if self.kind == "cuda" else None)

    def time_us(self, fn, warmup, repeats, inner):
        """Median over `repeats` of the mean time of `inner` back-to-back calls (µs)."""
        for _ in range(warmup):
            fn()
        self.sync()
        samples = []
        for _ in range(repeats):
            if self.kind == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                for _ in range(inner):
                    fn()
                end.record()
                end.synchronize()
                samples.append(start.elapsed_time(end) * 1000.0 / inner)
            else:
                t0 = time.perf_counter()
                for _ in range(inner):
                    fn()
                samples.append((time.perf_counter() - t0) * 1e6 / inner)
        return statistics.median(samples)


class DeviceEngine(Engine):
    """The yhc engine run on device tensors and the current torch stream (yhc_engine_run); on the
    host target the same call takes host pointers."""

    def bind(self, inputs, outputs, stream):
        self.in_ptrs = (ctypes.c_void_p * len(inputs))(*[t.data_ptr() for t in inputs])
        self.out_ptrs = (ctypes.c_void_p * len(outputs))(*[t.data_ptr() for t in outputs])
        self.stream = stream

    def launch(self):
        if self.fn["yhc_engine_run"](self.handle, self.in_ptrs, self.out_ptrs, self.stream) != 0:
            raise RuntimeError(self.last_error())


def check(info, got, ref, rtol, int8=False):
    """'ok 300/300' / 'MISMATCH 49/300' (detections) or 'ok 2.1e-05' (dense max rel). int8: a
    quantized model run in int8, its detections held to the 80% rule ('ok int8 256/300 found')."""
    g = got.float().cpu().numpy().reshape(-1).tolist()
    r = np.asarray(ref, dtype=np.float32).reshape(-1).tolist() if not torch.is_tensor(ref) else ref.float().cpu().numpy().reshape(-1).tolist()
    if int8 and looks_like_detections(info["shape"], info["dtype"]):
        s = detection_shift(g, r, info["shape"])
        ok = quantized_detections_ok(s)
        return ok, f"{'ok' if ok else 'MISMATCH'} int8 {s['matched']}/{s['reference']} found"
    if int8 and info["name"] == "num_dets":
        return True, f"num_dets {', '.join(str(int(x)) for x in g)}"  # counts move with the rows: the rows are the check
    if looks_like_detections(info["shape"], info["dtype"]):
        c = compare_detections(g, r, info["shape"], rtol)
        return c["ok"], f"{'ok' if c['ok'] else 'MISMATCH'} {c['matched']}/{c['rows']}"
    c = compare_dense(g, r, rtol)
    return c["ok"], f"{'ok' if c['ok'] else 'MISMATCH'} {c['max_rel']:.1e}"


def check_all(outputs_info, got, refs, rtol, int8=False):
    verdicts = [check(o, t, refs[o["name"]], rtol, int8) for o, t in zip(outputs_info, got)]
    return all(ok for ok, _ in verdicts), "; ".join(d for _, d in verdicts)


def trace(fn, names, feeds):
    """fn(**inputs) -> tensor or {name: tensor}, traced once at these shapes into a GraphModule
    taking the inputs positionally and returning a tuple."""
    from torch.fx.experimental.proxy_tensor import make_fx

    def positional(*xs):
        out = fn(**dict(zip(names, xs)))
        return tuple(out.values()) if isinstance(out, dict) else (out,)

    with torch.no_grad():
        return make_fx(positional)(*[feeds[n] for n in names])


def graph_breaks(gm, xs):
    """'1 graph, 0 breaks' as torch._dynamo.explain sees the GraphModule."""
    import torch._dynamo

    e = torch._dynamo.explain(gm)(*xs)
    torch._dynamo.reset()
    return f"{e.graph_count} graph{'s' if e.graph_count != 1 else ''}, {e.graph_break_count} break{'s' if e.graph_break_count != 1 else ''}"


def reference_ort(model_path, manifest, feeds):
    """onnxruntime (CPU); a quantized model with graph optimizations off (docs/golden_rules.md)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if is_quantized(manifest):
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model_path, sess_options=options, providers=["CPUExecutionProvider"])
    results = session.run([o["name"] for o in manifest["outputs"]], {i["name"]: feeds[i["name"]].cpu().numpy() for i in manifest["inputs"]})
    return dict(zip([o["name"] for o in manifest["outputs"]], results))


def read_baseline(build_dir):
    """The build this one is timed against (baseline.txt, written by tools/gpu/prepare.sh from a
    `vs=NAME` role in builds.txt: an int8 build against yhc's fp16 build of the float model)."""
    path = os.path.join(build_dir, "baseline.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip() or None


def bench_build(build_dir, args, dev, budget, row):
    """Fill `row` phase by phase up to eager (a failing phase raises; the caller keeps what is
    filled); returns what the compile pass needs, or None for an int8 build (no PyTorch rows)."""
    manifest = read_manifest(build_dir)
    names = [i["name"] for i in manifest["inputs"]]
    decoder = all(n["opType"] == "YoloDecode" for k in manifest["kernels"] for n in k["nodes"])
    int8 = is_quantized(manifest)
    row["baseline"] = read_baseline(build_dir)
    precision = row["precision"]
    dtype, rtol = (torch.float16, FP16_RTOL) if precision == "fp16" else (torch.float32, FP32_RTOL)
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    feeds = {i["name"]: torch.randn(i["shape"], generator=gen).to(dev.kind) for i in manifest["inputs"]}
    if decoder:
        levels = [tuple(i["shape"][2:]) for i in manifest["inputs"] if i["name"].startswith("box")]
        nc = next(i["shape"][1] for i in manifest["inputs"] if i["name"].startswith("cls"))
        max_det = manifest["outputs"][0]["shape"][1]
        row["model"] = f"decoder {sum(h * w for h, w in levels)}x{nc}->{max_det}"
        make = lambda dt: TorchDecoder(levels, nc, max_det=max_det, device=dev.kind, dtype=dt)  # noqa: E731
        row["reference"] = "torch fp32"
    else:
        model_path = find_file(search_path(args.models), f"{manifest['model']['name']}.onnx")
        if model_path is None:
            raise FileNotFoundError(f"{manifest['model']['name']}.onnx is in none of --models")
        make = lambda dt: TorchOnnx(model_path, device=dev.kind, dtype=dt)  # noqa: E731
        row["reference"] = "onnxruntime"

    with budget.phase("build", args.build_cap_s):
        library = build(build_dir, dev.target, args.arch, args.jobs, reuse=args.reuse_build)
    with budget.phase("ref", args.phase_cap_s):
        if decoder:
            refs = {manifest["outputs"][0]["name"]: make(torch.float32)(**feeds)}
        else:
            refs = reference_ort(model_path, manifest, feeds)
            row["reference"] = "onnxruntime, optimizations off" if int8 else "onnxruntime"

    # yhc: float32 inputs and outputs whatever the storage.
    with budget.phase("yhc", args.phase_cap_s), DeviceEngine(build_dir, library=library) as engine:
        outs = [torch.full(o["shape"], float("nan"), device=dev.kind) for o in manifest["outputs"]]
        engine.bind([feeds[n].contiguous() for n in names], outs, dev.stream())
        engine.launch()
        dev.sync()
        ok, row["yhc_check"] = check_all(manifest["outputs"], outs, refs, rtol, int8)
        row["yhc_us"] = dev.time_us(engine.launch, args.warmup, args.repeats, args.inner)
    if int8:
        # bench/torch_onnx.py has no quantization ops: the int8 row is compared with yhc's own
        # float build of the model instead (baseline.txt, the vs column).
        row["note"] = "int8: no PyTorch rows (torch_onnx has no quantization ops)"
        return None

    x = [feeds[n].to(dtype) for n in names]
    with budget.phase("trace", args.phase_cap_s):
        gm = trace(make(dtype), names, dict(zip(names, x)))
        if not args.no_explain:
            row["graphs"] = graph_breaks(gm, x)
    with budget.phase("eager", args.phase_cap_s), torch.no_grad():
        _, row["eager_check"] = check_all(manifest["outputs"], gm(*x), refs, rtol)
        row["eager_us"] = dev.time_us(lambda: gm(*x), args.warmup, args.repeats, args.inner)
    return {"gm": gm, "x": x, "outputs": manifest["outputs"], "refs": refs, "rtol": rtol}


def compile_row(state, mode, args, dev, budget, target, yhc_us):
    """torch.compile the traced graph in `mode`, check it, time it; fills target."""
    target["mode"] = mode if args.compile_backend == "inductor" else args.compile_backend
    compile_and_time(state["gm"], state["x"], mode, state["outputs"], state["refs"], state["rtol"], args, dev, budget, target, yhc_us)


def compile_and_time(gm, x, mode, outputs_info, refs, rtol, args, dev, budget, target, yhc_us):
    import torch._dynamo

    torch._dynamo.reset()
    with budget.phase(f"compile ({target['mode']})", args.compile_cap_s), torch.no_grad():
        t0 = time.monotonic()
        if args.compile_backend == "inductor":
            compiled = torch.compile(gm, mode=mode)
        else:  # a mode is inductor's: other backends take none
            compiled = torch.compile(gm, backend=args.compile_backend)
        got = compiled(*x)
        dev.sync()
        target["compile_s"] = time.monotonic() - t0
        _, target["compile_check"] = check_all(outputs_info, got, refs, rtol)
    with budget.phase("time compiled", args.phase_cap_s), torch.no_grad():
        target["compile_us"] = dev.time_us(lambda: compiled(*x), args.warmup, args.repeats, args.inner)
        target["speedup"] = target["compile_us"] / yhc_us if yhc_us else None


COLUMNS = [
    Column("build", "build"), Column("model", "model"), Column("batch", "batch", ">"), Column("precision", "prec"),
    Column("yhc_us", "yhc µs", ">", fixed(1)), Column("eager_us", "eager µs", ">", fixed(1)),
    Column("compile_us", "compile µs", ">", fixed(1)), Column("mode", "compile mode"),
    Column("speedup", "yhc vs compile", ">", lambda x: f"{x:.2f}x"), Column("reference", "checked against"),
    Column("yhc_check", "yhc"), Column("eager_check", "eager"), Column("compile_check", "compiled"),
    Column("graphs", "dynamo"), Column("compile_s", "compile s", ">", fixed(0)),
    Column("baseline", "yhc baseline"), Column("vs_baseline", "vs baseline", ">", lambda x: f"{x:.2f}x"),
]


def progress(r):
    def us(k):
        return "-" if r.get(k) is None else f"{r[k]:.1f} µs"

    text = (f"bench {r['build']} ({r.get('model')}, batch {r.get('batch')}, {r.get('precision')}): {r['status']}; yhc {us('yhc_us')} "
            f"[{r.get('yhc_check') or '-'}], eager {us('eager_us')} [{r.get('eager_check') or '-'}], "
            f"compile {r.get('mode') or '-'} {us('compile_us')} [{r.get('compile_check') or '-'}]")
    return text + (f"  {r['note']}" if r.get("note") else "")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+", help="build directories (yhc compile --no-build output), in priority order")
    p.add_argument("--models", action="append", required=True, help="directories holding MODEL.onnx (repeat, or join with ':')")
    p.add_argument("--dry-run", action="store_true", help="torch on the CPU, engines for the host emulation")
    p.add_argument("--arch", default=None, help="sm_XX (default: the card's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--inner", type=int, default=20)
    p.add_argument("--compile-mode", default="reduce-overhead", help="torch.compile mode of every row (default, reduce-overhead, ...)")
    p.add_argument("--autotune-row", help="build name that also gets a max-autotune row, if the budget allows")
    p.add_argument("--autotune-min-left-s", type=float, default=240, help="seconds that must be left to start max-autotune")
    p.add_argument("--compile-min-left-s", type=float, default=30, help="seconds that must be left to start a torch.compile")
    p.add_argument("--compile-backend", default="inductor",
                   help="torch.compile backend (the dry run may take aot_eager: Dynamo and AOT autograd without Inductor's C++ builds)")
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    p.add_argument("--no-explain", action="store_true", help="skip torch._dynamo.explain (graph and break counts)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--reuse-build", action="store_true", help="use the libraries tools/gpu/build.py made")
    p.add_argument("--budget-s", type=float, default=0, help="stop cleanly after this many seconds (0: no limit)")
    p.add_argument("--build-cap-s", type=float, default=300, help="most seconds one engine build may take")
    p.add_argument("--compile-cap-s", type=float, default=150, help="most seconds one torch.compile may take")
    p.add_argument("--phase-cap-s", type=float, default=90, help="most seconds any other phase may take")
    p.add_argument("--json", help="write the rows as JSON here (rewritten after every row)")
    args = p.parse_args()
    stop_on_signals()
    budget = Budget(args.budget_s)
    dev = Device(args.dry_run)
    if dev.kind == "cuda" and not torch.cuda.is_available():
        print("gpu_bench: no CUDA device (use --dry-run to rehearse on the CPU)", file=sys.stderr)
        return 2
    if args.arch is None:
        args.arch = "sm_90" if dev.kind == "cpu" else "sm_{}{}".format(*torch.cuda.get_device_capability())
    tf32 = disable_tf32()
    timing = "CUDA events" if dev.kind == "cuda" else "wall clock"
    title = (f"{dev.name()}  torch {torch.__version__}  µs per run, median of {args.repeats} x {args.inner} runs "
             f"after {args.warmup} ({timing}); fp32 PyTorch: {tf32}")
    print(title, flush=True)
    log = RowLog(args.json, {"script": "gpu_bench", "title": title, "device": dev.name(), "torch": torch.__version__,
                             "dry_run": args.dry_run, "tf32": tf32}, COLUMNS, progress)
    # Pass 1, every build: engine, reference, yhc, trace, eager (seconds each on a GPU).
    stopped = None
    measured = []  # (row, state) of the builds that reached eager
    for b in args.builds:
        row = {**describe(b), "status": "ok"}
        if stopped or budget.left() <= 0:
            log.add({**row, "status": "SKIPPED", "note": stopped or "out of the time budget"})
            continue
        try:
            state = bench_build(b, args, dev, budget, row)
            if row.get("yhc_check", "").startswith("MISMATCH"):
                row["status"] = "MISMATCH"
            if state is not None:
                measured.append((row, state))
        except Stopped as e:
            stopped = str(e)
            row.update(status="ERROR", note=f"stopped: {stopped}")
        except (Exception, PhaseTimeout) as e:  # noqa: BLE001 — the row keeps what it measured; the next build goes on
            row.update(status="ERROR", note=first_line(e), error=str(e))
        log.add(row)
    # A build with a baseline (an int8 build and yhc's fp16 build of its float model): how many
    # times faster than the baseline's yhc row.
    for row in log.rows:
        base = next((r for r in log.rows if r["build"] == row.get("baseline")), None)
        if base and base.get("yhc_us") and row.get("yhc_us"):
            row["vs_baseline"] = base["yhc_us"] / row["yhc_us"]
            log.update(row)
    # Pass 2, torch.compile in row order while the budget lasts (tens of seconds each on a GPU).
    for row, state in measured if not args.no_compile else []:
        if stopped or budget.left() < args.compile_min_left_s:
            row["note"] = f"compile skipped: {stopped or f'{budget.left():.0f} s left in the budget'}"
            log.update(row)
            continue
        try:
            compile_row(state, args.compile_mode, args, dev, budget, row, row.get("yhc_us"))
        except Stopped as e:
            stopped = str(e)
            row.update(compile_check="ERROR", note=f"compile stopped: {stopped}")
        except (Exception, PhaseTimeout) as e:  # noqa: BLE001
            row.update(compile_check="ERROR", note=f"compile: {first_line(e)}", compile_error=str(e))
        log.update(row)
    # One max-autotune row (optional, the headline), only if enough time is left.
    head = next(((r, st) for r, st in measured if r["build"] == args.autotune_row), None) if args.autotune_row and not args.no_compile and args.compile_backend == "inductor" else None
    if head:
        r0, st = head
        extra = {**r0, "compile_us": None, "compile_check": None, "compile_s": None, "speedup": None, "note": None}
        if stopped or budget.left() < args.autotune_min_left_s:
            extra.update(mode="max-autotune", note=f"max-autotune skipped: {budget.left():.0f} s left (needs {args.autotune_min_left_s:.0f})")
        else:
            try:
                compile_row(st, "max-autotune", args, dev, budget, extra, r0.get("yhc_us"))
            except (Exception, PhaseTimeout) as e:  # noqa: BLE001
                extra.update(compile_check="ERROR", note=f"max-autotune: {first_line(e)}")
        log.add(extra)
    print(title)
    print("\n".join(log.table()))
    compile_errors = sum(r.get("compile_check") == "ERROR" for r in log.rows)
    compiled = sum(r.get("compile_us") is not None for r in log.rows)
    errors = sum(r["status"] == "ERROR" for r in log.rows)
    mismatches = sum(r["status"] == "MISMATCH" for r in log.rows)
    skipped = sum(r["status"] == "SKIPPED" for r in log.rows)
    n_measured = sum(r.get("yhc_us") is not None for r in log.rows)
    line = (f"{n_measured} rows measured ({compiled} with torch.compile, {compile_errors} compile errors), "
            f"{mismatches} yhc mismatches, {errors} errors, {skipped} skipped (budget)")
    print(("PASS: " if n_measured and not errors and not mismatches else "FAIL: ") + line)
    phases = "  ".join(f"{k} {v:.1f} s" for k, v in budget.times.items())
    print(f"time per phase: {phases}; total {budget.elapsed():.1f} s")
    log.write(done=True, verdict=line, phase_s=budget.times, wall_s=budget.elapsed())
    return 0 if n_measured and not errors and not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
