"""GPU check: build carried yhc sources with nvcc, run them through the C ABI (Python ctypes),
compare with onnxruntime (CPU) on the original models, print a table.

For a machine with a GPU, nvcc and python3 (numpy, onnxruntime) but no Node. On the Node side:

    yhc compile test/data/fixtures/v10head_n.onnx -o out/gpu/v10head_n --no-build   # per model

then, on the GPU machine, with the repository and out/gpu:

    python3 tools/gpu/gpu_check.py out/gpu/* --models test/data/fixtures --inputs test/data/fixtures

`--target host` builds with g++ against the host emulation instead (no GPU needed), and
`--reference recorded` compares with the fixtures' recorded onnxruntime outputs when the
onnxruntime Python package is not installed; CI uses both to test this script.
Exit status: 0 when every output passes, 1 on a mismatch, 2 on an error.
"""
import argparse
import concurrent.futures
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))
sys.path.insert(0, HERE)
from yhc_compare import FP16_RTOL, FP32_RTOL, compare_dense, compare_detections, looks_like_detections  # noqa: E402
from yhc_engine import Engine  # noqa: E402

STRUCT = {"float32": "f", "float64": "d", "int8": "b", "uint8": "B", "bool": "?", "int16": "h", "uint16": "H",
          "int32": "i", "uint32": "I", "int64": "q", "uint64": "Q"}


def unpack(raw, dtype):
    if hasattr(raw, "tobytes"):
        raw = raw.tobytes()
    code = STRUCT[dtype]
    return list(struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw))


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed in {cwd}:\n{r.stdout}\n{r.stderr}")
    return r.stdout + r.stderr


def build(build_dir, target, arch, jobs):
    """Compile kernels (a few dozen per translation unit), engine.cu and, for the host target,
    the emulation runtime; link lib/libyhc_gpucheck.so. Same flags as yhc's own build."""
    kernels = sorted(f for f in os.listdir(os.path.join(build_dir, "kernels")) if f.endswith(".cu"))
    obj = os.path.join(build_dir, "obj-gpucheck")
    shutil.rmtree(obj, ignore_errors=True)
    os.makedirs(obj)
    chunk = 24
    units = []
    for i in range(0, len(kernels), chunk):
        path = f"obj-gpucheck/kernels_{i // chunk:02d}.cu"
        with open(os.path.join(build_dir, path), "w", encoding="utf-8") as f:
            f.writelines(f'#include "kernels/{k}"\n' for k in kernels[i : i + chunk])
        units.append(path)
    units.append("engine.cu")
    if target == "cuda":
        compiler = "nvcc"
        sm = arch.replace("sm_", "")
        flags = ["-std=c++17", "-O3", "--expt-relaxed-constexpr", "-Xcompiler", "-fPIC,-fvisibility=hidden",
                 "-gencode", f"arch=compute_{sm},code=[sm_{sm},compute_{sm}]", "-I", ".", "-I", "include"]
        link = ["-shared", "-Xcompiler", "-fPIC", "-Xlinker", "-Bsymbolic"]
    else:
        compiler = os.environ.get("CXX", "g++")
        flags = ["-std=c++17", "-O2", "-fPIC", "-fvisibility=hidden", "-pthread", "-I", ".", "-I", "include", "-x", "c++"]
        link = ["-shared", "-fPIC", "-pthread", "-Wl,-Bsymbolic"]
        units += [f"include/host_emu/{f}" for f in sorted(os.listdir(os.path.join(build_dir, "include", "host_emu"))) if f.endswith(".cpp")]
    objects = [f"obj-gpucheck/{i:03d}.o" for i in range(len(units))]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda uo: run([compiler, *flags, "-c", uo[0], "-o", uo[1]], build_dir), zip(units, objects)))
    os.makedirs(os.path.join(build_dir, "lib"), exist_ok=True)
    library = f"lib/libyhc_gpucheck_{target}.so"
    run([compiler, *link, "-o", library, *objects], build_dir)
    shutil.rmtree(obj, ignore_errors=True)
    return library


def random_inputs(infos, seed):
    """Seeded N(0, 1) inputs (numpy's generator when available, else Python's)."""
    try:
        import numpy as np

        rng = np.random.default_rng(seed)
        return {i["name"]: rng.standard_normal(i["shape"]).astype("float32").tobytes() for i in infos}
    except ImportError:
        rng = random.Random(seed)
        return {i["name"]: struct.pack(f"<{i['bytes'] // 4}f", *[rng.gauss(0, 1) for _ in range(i["bytes"] // 4)]) for i in infos}


def recorded(directory, model, infos, kind):
    files = {i["name"]: os.path.join(directory, f"{model}.{kind}.{i['name']}.bin") for i in infos}
    if not all(os.path.exists(p) for p in files.values()):
        return None
    out = {}
    for name, path in files.items():
        with open(path, "rb") as f:
            out[name] = f.read()
    return out


def reference_ort(model_path, manifest, inputs):
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    feeds = {i["name"]: np.frombuffer(inputs[i["name"]], dtype=i["dtype"]).reshape(i["shape"]) for i in manifest["inputs"]}
    results = session.run([o["name"] for o in manifest["outputs"]], feeds)
    return {o["name"]: r.astype(o["dtype"]).tobytes() for o, r in zip(manifest["outputs"], results)}


def compare(info, got, ref, rtol):
    g, r = unpack(got, info["dtype"]), unpack(ref, info["dtype"])
    dense = compare_dense(g, r, rtol)
    if looks_like_detections(info["shape"], info["dtype"]):
        det = compare_detections(g, r, info["shape"], rtol)
        detail = f"{det['matched']}/{det['rows']} rows matched" if det["ok"] else det["problem"]
        return {"rule": "detections", "ok": det["ok"], "max_abs": dense["max_abs"], "max_rel": dense["max_rel"], "detail": detail}
    return {"rule": "dense", "ok": dense["ok"], "max_abs": dense["max_abs"], "max_rel": dense["max_rel"], "detail": ""}


def check_build(build_dir, args):
    with open(os.path.join(build_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    model = manifest["model"]["name"]
    model_path = os.path.join(args.models, f"{model}.onnx")
    precision = manifest.get("precision", {}).get("storage", "fp32")
    rtol = FP16_RTOL if precision == "fp16" else FP32_RTOL
    t0 = time.perf_counter()
    library = build(build_dir, args.target, args.arch, args.jobs)
    build_s = time.perf_counter() - t0
    input_sets = []
    rec = recorded(args.inputs, model, manifest["inputs"], "input") if args.inputs else None
    if rec and manifest["batch"] == 1:
        input_sets.append(("recorded", rec))
    if args.reference == "ort":
        input_sets.append((f"random seed {args.seed}", random_inputs(manifest["inputs"], args.seed)))
    rows = []
    with Engine(build_dir, library=library) as engine:
        for label, inputs in input_sets:
            if args.reference == "ort":
                ref = reference_ort(model_path, manifest, inputs)
            else:
                ref = recorded(args.inputs, model, manifest["outputs"], "output")
                if ref is None:
                    raise RuntimeError(f"no recorded outputs for {model} in {args.inputs}")
            got = engine.run(inputs)
            t1 = time.perf_counter()
            for _ in range(args.iterations):
                engine.run(inputs, poison=False)
            ms = (time.perf_counter() - t1) * 1000 / max(1, args.iterations)
            # On a GPU the first run captured a CUDA graph; this one replays it into poisoned outputs.
            replayed = engine.run(inputs)
            for info in manifest["outputs"]:
                for how, outputs in (("", got), (" (replayed)", replayed)):
                    rows.append({"model": model, "batch": manifest["batch"], "precision": precision, "inputs": label + how, "output": info["name"],
                                 "ms_run_host": ms, "build_s": build_s, **compare(info, outputs[info["name"]], ref[info["name"]], rtol)})
    return rows


def fmt(x):
    return "inf" if math.isinf(x) else f"{x:.2e}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+", help="build directories (yhc compile --no-build output)")
    p.add_argument("--models", required=True, help="directory holding MODEL.onnx for each build")
    p.add_argument("--inputs", help="directory with recorded MODEL.input.NAME.bin files")
    p.add_argument("--target", choices=["cuda", "host"], default="cuda")
    p.add_argument("--arch", default="sm_90")
    p.add_argument("--reference", choices=["ort", "recorded"], default="ort")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--iterations", type=int, default=20, help="timed runs of yhc_engine_run_host (with copies)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--json", help="write the rows as JSON here")
    args = p.parse_args()
    rows = []
    try:
        for b in args.builds:
            rows += check_build(b, args)
    except Exception as e:  # noqa: BLE001 — one line, exit 2, like the yhc CLI
        print(f"gpu_check: error: {e}", file=sys.stderr)
        return 2
    header = f"{'model':<20} {'batch':>5} {'prec':<5} {'inputs':<15} {'output':<12} {'rule':<10} {'max abs':>9} {'max rel':>9} {'verdict':<8} {'ms/run':>8}"
    print(f"yhc GPU check ({args.target}, {args.arch if args.target == 'cuda' else 'host emulation'}), reference: {args.reference}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['model']:<20} {r['batch']:>5} {r['precision']:<5} {r['inputs']:<15} {r['output'][:12]:<12} {r['rule']:<10} {fmt(r['max_abs']):>9} "
              f"{fmt(r['max_rel']):>9} {'ok' if r['ok'] else 'MISMATCH':<8} {r['ms_run_host']:>8.3f}  {r['detail']}")
    ok = all(r["ok"] for r in rows) and rows
    print("PASS" if ok else "FAIL")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
