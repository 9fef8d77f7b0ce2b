"""GPU check: build carried yhc sources with nvcc, run them through the C ABI (Python ctypes),
compare with onnxruntime (CPU) on the original models, print a table.

For a machine with a GPU, nvcc and python3 (numpy, onnxruntime) but no Node. On the Node side:

    tools/gpu/prepare.sh            # yhc compile --no-build every listed model into out/carry/builds

then, on the GPU machine (tools/gpu/device_run.sh does this):

    python3 tools/gpu/gpu_check.py out/carry/builds/* --models test/data/fixtures:out/carry/models \
        --inputs test/data/fixtures:out/carry/models

`--target host` (or `--dry-run`) builds with g++ against the host emulation instead (no GPU
needed), and `--reference recorded` compares with the fixtures' recorded onnxruntime outputs when
the onnxruntime Python package is not installed; CI uses both to test this script.

Each build also gets one "2 contexts, 2 streams" row (unless --no-contexts): two execution
contexts of the one engine (yhc_context_create: shared weights, own activations, buffers, stream
and CUDA graph) run in two threads at once, each on its own stream, and every output of both is
compared with the reference of its inputs; the row's verdict is the worst of them.

Each build is one or more rows, printed as it is done and written to --json at once. A build that
fails (compiler, engine, reference) is an ERROR row and the others go on; a build with nothing to
compare against (no recorded inputs or outputs) is a SKIPPED row with the reason. The verdict
says what it rests on (detections: rows matched and the worst matched row's score and box
difference; dense: the worst difference against the tolerance) before max abs / max rel.
Exit status: 0 when every checked output passes, 1 on a mismatch or when nothing was checked,
2 when a build could not be checked (error).
"""
import argparse
import json
import os
import random
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))
sys.path.insert(0, HERE)
from budget import Budget, OutOfBudget, PhaseTimeout, Stopped, stop_on_signals  # noqa: E402
from build import build  # noqa: E402,F401  (gpu_bench.py imports build from here too)
from report import Column, RowLog, first_line, fixed, sci  # noqa: E402
from yhc_compare import (FP16_RTOL, FP16_SCORE_RTOL, FP32_RTOL, QUANTIZED_MIN_MATCHED, compare_dense, compare_detections,  # noqa: E402
                         detection_shift, looks_like_detections, quantized_detections_ok)
from yhc_engine import Engine  # noqa: E402

STRUCT = {"float32": "f", "float64": "d", "int8": "b", "uint8": "B", "bool": "?", "int16": "h", "uint16": "H",
          "int32": "i", "uint32": "I", "int64": "q", "uint64": "Q"}


def unpack(raw, dtype):
    if hasattr(raw, "tobytes"):
        raw = raw.tobytes()
    code = STRUCT[dtype]
    return list(struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw))


def search_path(value):
    """Directories from repeated options and/or os.pathsep-separated lists."""
    return [d for v in (value or []) for d in v.split(os.pathsep) if d]


def find_file(dirs, name):
    return next((os.path.join(d, name) for d in dirs if os.path.exists(os.path.join(d, name))), None)


def random_inputs(infos, seed):
    """Seeded N(0, 1) inputs (numpy's generator when available, else Python's)."""
    try:
        import numpy as np

        rng = np.random.default_rng(seed)
        return {i["name"]: rng.standard_normal(i["shape"]).astype("float32").tobytes() for i in infos}
    except ImportError:
        rng = random.Random(seed)
        return {i["name"]: struct.pack(f"<{i['bytes'] // 4}f", *[rng.gauss(0, 1) for _ in range(i["bytes"] // 4)]) for i in infos}


def recorded(dirs, model, infos, kind):
    files = {i["name"]: find_file(dirs, f"{model}.{kind}.{i['name']}.bin") for i in infos}
    if not files or not all(files.values()):
        return None
    out = {}
    for name, path in files.items():
        with open(path, "rb") as f:
            out[name] = f.read()
    return out


# Ops whose presence in a build's kernels means the model runs its quantized arithmetic (int8).
QUANTIZED_OPS = {"QConv", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "ConvInteger", "MatMulInteger",
                 "QLinearConv", "QLinearMatMul"}


def is_quantized(manifest):
    """A build that runs a quantized model in int8 (not one compiled with --dequantize)."""
    return any(n["opType"] in QUANTIZED_OPS for k in manifest["kernels"] for n in k["nodes"])


def reference_ort(model_path, manifest, inputs):
    """onnxruntime on the original model; for a quantized one with graph optimizations off, so it
    computes the ONNX semantics op by op (docs/golden_rules.md), as `yhc check` runs it."""
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    if is_quantized(manifest):
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model_path, sess_options=options, providers=["CPUExecutionProvider"])
    feeds = {i["name"]: np.frombuffer(inputs[i["name"]], dtype=i["dtype"]).reshape(i["shape"]) for i in manifest["inputs"]}
    results = session.run([o["name"] for o in manifest["outputs"]], feeds)
    return {o["name"]: r.astype(o["dtype"]).tobytes() for o, r in zip(manifest["outputs"], results)}


def compare(info, got, ref, rtol):
    """The verdict and what it rests on (basis), then the dense max abs / rel for information."""
    g, r = unpack(got, info["dtype"]), unpack(ref, info["dtype"])
    dense = compare_dense(g, r, rtol)
    if looks_like_detections(info["shape"], info["dtype"]):
        det = compare_detections(g, r, info["shape"], rtol, FP16_SCORE_RTOL if rtol == FP16_RTOL else None)
        basis = f"{det['matched']}/{det['rows']} rows matched"
        if det["replaced_at_cutoff"]:
            basis += f" ({det['replaced_at_cutoff']} replaced at the cut-off)"
        basis += f", worst score {sci(det['max_score_diff'])} box {sci(det['max_box_diff'])}"
        return {"rule": "detections", "ok": det["ok"], "basis": basis, "max_abs": dense["max_abs"], "max_rel": dense["max_rel"],
                "note": det["problem"]}
    basis = f"max diff {sci(dense['max_abs'])} vs tol {sci(dense['tolerance'])}"
    return {"rule": "dense", "ok": dense["ok"], "basis": basis, "max_abs": dense["max_abs"], "max_rel": dense["max_rel"], "note": None}


def comparer(manifest, rtol):
    """judge(info, outputs, ref) for this build's outputs (dicts of raw bytes by name): the float
    rules of compare(); for a model run in int8 (src/golden/quantized.ts), detections by the 80%
    rule and num_dets as the engine's own count of detection rows."""
    if not is_quantized(manifest):
        return lambda info, got, ref: compare(info, got[info["name"]], ref[info["name"]], rtol)
    rows_info = next((o for o in manifest["outputs"] if looks_like_detections(o["shape"], o["dtype"])), None)

    def judge(info, got, ref):
        g, r = unpack(got[info["name"]], info["dtype"]), unpack(ref[info["name"]], info["dtype"])
        dense = compare_dense(g, r, rtol)
        if info is rows_info:
            s = detection_shift(g, r, info["shape"])
            ok = quantized_detections_ok(s)
            basis = (f"{s['matched']}/{s['reference']} reference detections >= 0.25 found ({QUANTIZED_MIN_MATCHED:.0%} needed; "
                     f"int8 rule), mean IoU {s['mean_iou']:.3f}")
            return {"rule": "int8 detections", "ok": ok, "basis": basis, "max_abs": dense["max_abs"], "max_rel": dense["max_rel"],
                    "note": None if ok else f"{s['matched']} of {s['reference']} reference detections found"}
        if info["name"] == "num_dets" and rows_info is not None:
            rows = unpack(got[rows_info["name"]], rows_info["dtype"])
            batch, k = rows_info["shape"][0], rows_info["shape"][1]
            own = [sum(1 for i in range(k) if rows[(b * k + i) * 6 + 4] != 0) for b in range(batch)]
            ok = [int(x) for x in g] == own
            basis = f"counts {', '.join(str(int(x)) for x in g)} {'are' if ok else 'are not'} the engine's own rows ({', '.join(map(str, own))})"
            return {"rule": "int8 count", "ok": ok, "basis": basis, "max_abs": dense["max_abs"], "max_rel": dense["max_rel"],
                    "note": None if ok else basis}
        return compare(info, got[info["name"]], ref[info["name"]], rtol)

    return judge


def read_manifest(build_dir):
    with open(os.path.join(build_dir, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def describe(build_dir):
    """The row fields that name a build, as far as its manifest can be read."""
    try:
        m = read_manifest(build_dir)
        return {"build": os.path.basename(os.path.normpath(build_dir)), "model": m["model"]["name"], "batch": m["batch"],
                "precision": m.get("precision", {}).get("storage", "fp32")}
    except Exception:  # noqa: BLE001
        return {"build": os.path.basename(os.path.normpath(build_dir)), "model": "?", "batch": None, "precision": None}


def check_build(build_dir, args, budget):
    """Rows of one build: one per input set, output and run (first and replayed)."""
    manifest = read_manifest(build_dir)
    base = describe(build_dir)
    model = manifest["model"]["name"]
    rtol = FP16_RTOL if base["precision"] == "fp16" else FP32_RTOL
    judge = comparer(manifest, rtol)
    inputs_dirs, models_dirs = search_path(args.inputs), search_path(args.models)
    input_sets, skipped = [], []
    rec = recorded(inputs_dirs, model, manifest["inputs"], "input")
    if rec and manifest["batch"] == 1:
        input_sets.append(("recorded", rec))
    elif rec:
        skipped.append(f"recorded inputs are batch 1, this build is batch {manifest['batch']}")
    else:
        skipped.append(f"no recorded inputs {model}.input.*.bin in {os.pathsep.join(inputs_dirs) or '(no --inputs)'}")
    model_path = None
    if args.reference == "ort":
        model_path = find_file(models_dirs, f"{model}.onnx")
        if model_path is None:
            raise FileNotFoundError(f"{model}.onnx is in none of --models {os.pathsep.join(models_dirs)}")
        input_sets.append((f"random seed {args.seed}", random_inputs(manifest["inputs"], args.seed)))
    else:
        ref_rec = recorded(inputs_dirs, model, manifest["outputs"], "output")
        if input_sets and ref_rec is None:
            skipped.append(f"no recorded outputs {model}.output.*.bin")
            input_sets = []
    if not input_sets:
        return [{**base, "status": "skipped", "verdict": "SKIPPED", "note": "; ".join(skipped)}]
    t0 = time.monotonic()
    with budget.phase("build", args.build_cap_s):
        library = build(build_dir, args.target, args.arch, args.jobs, reuse=args.reuse_build)
    build_s = time.monotonic() - t0
    rows = []
    refs = {}
    with Engine(build_dir, library=library) as engine:
        for label, inputs in input_sets:
            with budget.phase("reference", args.check_cap_s):
                ref = reference_ort(model_path, manifest, inputs) if args.reference == "ort" else ref_rec
            refs[label] = ref
            with budget.phase("run", args.check_cap_s):
                got = engine.run(inputs)
                t1 = time.perf_counter()
                for _ in range(args.iterations):
                    engine.run(inputs, poison=False)
                ms = (time.perf_counter() - t1) * 1000 / args.iterations if args.iterations else None
                # On a GPU the first run captured a CUDA graph; this one replays it into poisoned outputs.
                replayed = engine.run(inputs)
            for info in manifest["outputs"]:
                for how, outputs in (("", got), (" (replayed)", replayed)):
                    c = judge(info, outputs, ref)
                    rows.append({**base, "status": "checked", "inputs": label + how, "output": info["name"], "ms_run_host": ms,
                                 "build_s": build_s, **c, "verdict": "ok" if c["ok"] else "MISMATCH"})
        if args.contexts:
            try:
                with budget.phase("run", args.check_cap_s):
                    rows.append({**base, **check_contexts(engine, manifest, input_sets, refs, judge), "build_s": build_s})
            except (Exception, PhaseTimeout) as e:  # noqa: BLE001 — an error row; the rows above stand
                rows.append({**base, "status": "error", "verdict": "ERROR", "inputs": CONTEXTS, "note": first_line(e), "error": str(e)})
    return rows


CONTEXTS = "2 contexts, 2 streams"


def check_contexts(engine, manifest, input_sets, refs, judge, runs=3):
    """Two contexts of one engine in two threads at once (ctypes drops the GIL; on a GPU each
    context copies and runs on its own stream), each on its own input set where there are two;
    one row: every output of both against its reference, the worst one named."""
    contexts = [engine.create_context() for _ in range(2)]
    sets = [input_sets[i % len(input_sets)] for i in range(2)]
    results, errors = [None, None], []
    start = threading.Barrier(2)

    def work(i):
        try:
            start.wait()
            for _ in range(runs):
                results[i] = contexts[i].run(sets[i][1])
        except Exception as e:  # noqa: BLE001 — re-raised below, on the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = (time.perf_counter() - t0) * 1000 / runs
    for c in contexts:
        c.close()
    if errors:
        raise errors[0]
    checked = [(i, info["name"], judge(info, results[i], refs[sets[i][0]]))
               for i in range(2) for info in manifest["outputs"]]
    bad = [c for c in checked if not c[2]["ok"]]
    i, name, worst = (bad or sorted(checked, key=lambda c: -c[2]["max_rel"]))[0]
    basis = f"{len(checked) - len(bad)}/{len(checked)} outputs ok; worst: context {i + 1} ({sets[i][0]}) {name}: {worst['basis']}"
    return {"status": "checked", "inputs": CONTEXTS, "output": "all", "ms_run_host": ms, "rule": worst["rule"], "ok": not bad,
            "basis": basis, "max_abs": max(c[2]["max_abs"] for c in checked), "max_rel": max(c[2]["max_rel"] for c in checked),
            "note": worst["note"], "verdict": "ok" if not bad else "MISMATCH"}


COLUMNS = [
    Column("build", "build"), Column("batch", "batch", ">"), Column("precision", "prec"), Column("inputs", "inputs"),
    Column("output", "output"), Column("rule", "rule"), Column("verdict", "verdict"), Column("basis", "verdict rests on"),
    Column("max_abs", "max abs", ">", sci), Column("max_rel", "max rel", ">", sci), Column("ms_run_host", "ms/run", ">", fixed(3)),
]


def progress(r):
    what = f"{r['build']} (model {r['model']}, batch {r['batch']}, {r['precision']})"
    if r["status"] != "checked":
        return f"check {what}: {r['verdict']}: {r['note']}"
    ms = "" if r["ms_run_host"] is None else f" ({r['ms_run_host']:.3f} ms/run)"
    return f"check {what} {r['inputs']} {r['output']}: {r['verdict']}, {r['basis']}{ms}"


def summary(rows):
    """(verdict line, exit status). Nothing checked fails; skips and errors are counted aloud."""
    checked = [r for r in rows if r["status"] == "checked"]
    bad = [r for r in checked if not r["ok"]]
    skipped = [r for r in rows if r["status"] == "skipped"]
    errors = [r for r in rows if r["status"] == "error"]
    builds = len({r["build"] for r in checked})
    counts = (f"{len(checked)} outputs checked in {builds} builds, {len(bad)} mismatched, "
              f"{len(skipped)} builds skipped, {len(errors)} builds in error")
    if not checked:
        return f"FAIL: nothing was checked ({counts})", 1
    if errors:
        return f"FAIL: {counts}", 2
    if bad:
        return f"FAIL: {counts}", 1
    return (f"PASS with skips: {counts}" if skipped else f"PASS: {counts}"), 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+", help="build directories (yhc compile --no-build output)")
    p.add_argument("--models", action="append", required=True, help="directories holding MODEL.onnx (repeat, or join with ':')")
    p.add_argument("--inputs", action="append", help="directories with recorded MODEL.input.NAME.bin files (repeat, or join with ':')")
    p.add_argument("--target", choices=["cuda", "host"], default="cuda")
    p.add_argument("--dry-run", action="store_true", help="the CPU rehearsal: --target host")
    p.add_argument("--arch", default="sm_90")
    p.add_argument("--reference", choices=["ort", "recorded"], default="ort")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--iterations", type=int, default=20, help="timed runs of yhc_engine_run_host (with copies)")
    p.add_argument("--no-contexts", dest="contexts", action="store_false",
                   help="skip the row of two execution contexts running at once on two streams")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--reuse-build", action="store_true", help="use the libraries tools/gpu/build.py made (its failures are error rows)")
    p.add_argument("--budget-s", type=float, default=0, help="stop cleanly after this many seconds (0: no limit)")
    p.add_argument("--build-cap-s", type=float, default=300, help="most seconds one build may take")
    p.add_argument("--check-cap-s", type=float, default=120, help="most seconds one reference or run phase may take")
    p.add_argument("--json", help="write the rows as JSON here (rewritten after every build)")
    args = p.parse_args()
    if args.dry_run:
        args.target = "host"
    stop_on_signals()
    budget = Budget(args.budget_s)
    title = (f"yhc GPU check ({args.target}, {args.arch if args.target == 'cuda' else 'host emulation'}), "
             f"reference: {'onnxruntime' if args.reference == 'ort' else 'recorded onnxruntime outputs'}")
    print(title, flush=True)
    log = RowLog(args.json, {"script": "gpu_check", "title": title, "target": args.target}, COLUMNS, progress)
    stopped = None
    for b in args.builds:
        if stopped or budget.left() <= 0:
            log.add({**describe(b), "status": "skipped", "verdict": "SKIPPED", "note": stopped or "out of the time budget"})
            continue
        try:
            for row in check_build(b, args, budget):
                log.add(row)
        except Stopped as e:
            stopped = str(e)
            log.add({**describe(b), "status": "skipped", "verdict": "SKIPPED", "note": stopped})
        except OutOfBudget:  # the budget ran out between the loop's look and the build's start
            log.add({**describe(b), "status": "skipped", "verdict": "SKIPPED", "note": "out of the time budget"})
        except (Exception, PhaseTimeout) as e:  # noqa: BLE001 — an error row; the other builds go on
            log.add({**describe(b), "status": "error", "verdict": "ERROR", "note": first_line(e), "error": str(e)})
    print(title)
    print("\n".join(log.table()))
    line, status = summary(log.rows)
    print(line)
    log.write(done=True, verdict=line, phase_s=budget.times, wall_s=budget.elapsed())
    return status


if __name__ == "__main__":
    sys.exit(main())
