"""Build carried yhc sources (`yhc compile --no-build` output) into lib/libyhc_gpucheck_<target>.so
with the same flags as yhc's own build: nvcc for the GPU, or g++ against the host emulation.

    python3 tools/gpu/build.py out/carry/builds/* --target cuda --arch sm_90 --jobs 16 --budget-s 200

Many build directories share one pool of compiler processes (every translation unit of every
build), so a 16-core machine stays busy; the first directories finish first. A build that fails
or runs out of time is recorded, and the others go on. Each directory gets gpucheck-build.json
(ok, library, error, seconds), which `build(..., reuse=True)` (gpu_check.py, gpu_bench.py) reads
instead of compiling again. Exit status: 0 when every build succeeded, 1 otherwise.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from report import Column, RowLog, first_line, fixed  # noqa: E402

STAMP = "gpucheck-build.json"
CHUNK = 24  # kernels per translation unit


class BuildError(RuntimeError):
    pass


def run(cmd, cwd, timeout=None):
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildError(f"{cmd[0]} ran out of time ({timeout:.0f} s) in {cwd}") from None
    if r.returncode != 0:
        raise BuildError(f"{cmd[0]} failed in {cwd}:\n{r.stdout}\n{r.stderr}")
    return r.stdout + r.stderr


def plan(build_dir, target, arch):
    """(compile commands, link command, library) of one build directory; writes the unit files."""
    kernels = sorted(f for f in os.listdir(os.path.join(build_dir, "kernels")) if f.endswith(".cu"))
    obj = os.path.join(build_dir, "obj-gpucheck")
    shutil.rmtree(obj, ignore_errors=True)
    os.makedirs(obj)
    units = []
    for i in range(0, len(kernels), CHUNK):
        path = f"obj-gpucheck/kernels_{i // CHUNK:02d}.cu"
        with open(os.path.join(build_dir, path), "w", encoding="utf-8") as f:
            f.writelines(f'#include "kernels/{k}"\n' for k in kernels[i : i + CHUNK])
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
        emu = os.path.join(build_dir, "include", "host_emu")
        units += [f"include/host_emu/{f}" for f in sorted(os.listdir(emu)) if f.endswith(".cpp")]
    if os.path.exists(os.path.join(build_dir, "exports.map")):  # --symbol-prefix: export only the prefixed C ABI, as yhc does
        link += ["-Xlinker", "--version-script=exports.map"] if target == "cuda" else ["-Wl,--version-script=exports.map"]
    objects = [f"obj-gpucheck/{i:03d}.o" for i in range(len(units))]
    compiles = [[compiler, *flags, "-c", u, "-o", o] for u, o in zip(units, objects)]
    library = f"lib/libyhc_gpucheck_{target}.so"
    return compiles, [compiler, *link, "-o", library, *objects], library


def sources_digest(build_dir):
    """sha1 over the sources a build compiles (kernels/, engine.cu, include/)."""
    h = hashlib.sha1()
    for root, dirs, files in os.walk(build_dir):
        dirs[:] = sorted(d for d in dirs if d not in ("lib", "obj-gpucheck"))
        rel = os.path.relpath(root, build_dir)
        for f in sorted(files):
            if f.endswith((".cu", ".cuh", ".h", ".cpp")):
                h.update(os.path.join(rel, f).encode() + b"\0")
                with open(os.path.join(root, f), "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()


def _stamp(build_dir, target, arch, **fields):
    with open(os.path.join(build_dir, STAMP), "w", encoding="utf-8") as f:
        json.dump({"target": target, "arch": arch if target == "cuda" else None, **fields}, f, indent=2)


def read_stamp(build_dir, target, arch):
    try:
        with open(os.path.join(build_dir, STAMP), encoding="utf-8") as f:
            s = json.load(f)
    except (OSError, ValueError):
        return None
    return s if s.get("target") == target and (target != "cuda" or s.get("arch") == arch) else None


def build_many(dirs, target, arch, jobs, deadline=None, on_done=None, reuse=False):
    """Build every directory with one shared pool of `jobs` compiler processes. Returns
    {dir: {"ok", "library", "error", "seconds"}}; on_done(dir, result) is called as each ends.
    reuse: keep a library built before from the same sources (same digest, target and arch)."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    lock = threading.Lock()
    results = {}

    def bounded(cmd, d):
        """Run cmd with what is left of the deadline, measured when it starts."""
        if deadline is None:
            return run(cmd, d)
        left = deadline - time.monotonic()
        if left <= 0:
            raise BuildError(f"not built: the build phase's time ran out before {cmd[0]} started in {d}")
        return run(cmd, d, left)

    def one(d):
        t0 = time.monotonic()
        digest = sources_digest(d)
        old = read_stamp(d, target, arch) if reuse else None
        if old and old["ok"] and old.get("sources") == digest and os.path.exists(os.path.join(d, old["library"])):
            result = {**old, "seconds": 0.0, "reused": True}
            with lock:
                results[d] = result
                if on_done:
                    on_done(d, result)
            return result
        try:
            compiles, link, library = plan(d, target, arch)
            futures = [pool.submit(bounded, c, d) for c in compiles]
            try:
                for f in futures:
                    f.result()
            except BaseException:
                for f in futures:
                    f.cancel()  # the other units of a failed build need not run
                raise
            os.makedirs(os.path.join(d, "lib"), exist_ok=True)
            bounded(link, d)
            shutil.rmtree(os.path.join(d, "obj-gpucheck"), ignore_errors=True)
            result = {"ok": True, "library": library, "error": None}
        except Exception as e:  # noqa: BLE001 — recorded; the other builds go on
            result = {"ok": False, "library": None, "error": str(e)}
        result["seconds"] = time.monotonic() - t0
        result["sources"] = digest
        _stamp(d, target, arch, **result)
        with lock:
            results[d] = result
            if on_done:
                on_done(d, result)
        return result

    # One waiting thread per directory; the compiler processes are bounded by `pool`.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(dirs))) as waiters:
        list(waiters.map(one, dirs))
    pool.shutdown()
    return results


def build(build_dir, target, arch, jobs, reuse=False):
    """One directory; with reuse, the result build_many recorded (a failed build raises again)."""
    if reuse:
        s = read_stamp(build_dir, target, arch)
        if s and s["ok"] and os.path.exists(os.path.join(build_dir, s["library"])):
            return s["library"]
        if s and not s["ok"]:
            raise BuildError(s["error"])
    r = build_many([build_dir], target, arch, jobs)[build_dir]
    if not r["ok"]:
        raise BuildError(r["error"])
    return r["library"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+")
    p.add_argument("--target", choices=["cuda", "host"], default="cuda")
    p.add_argument("--arch", default="sm_90")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--budget-s", type=float, default=0, help="stop starting compilers after this many seconds")
    p.add_argument("--reuse", action="store_true", help="keep libraries built before from the same sources")
    p.add_argument("--json", help="write the rows as JSON here")
    args = p.parse_args()
    t0 = time.monotonic()
    deadline = t0 + args.budget_s if args.budget_s > 0 else None
    columns = [Column("build", "build"), Column("status", "status"), Column("seconds", "s", ">", fixed(1))]
    log = RowLog(args.json, {"script": "build", "target": args.target, "arch": args.arch, "jobs": args.jobs}, columns,
                 lambda r: f"build {r['build']}: {r['status']} in {r['seconds']:.1f} s{'  ' + r['note'] if r['note'] else ''}")
    print(f"yhc build: {len(args.builds)} directories, target {args.target}"
          f"{' ' + args.arch if args.target == 'cuda' else ''}, {args.jobs} jobs", flush=True)

    def done(d, r):
        log.add({"build": os.path.basename(os.path.normpath(d)), "status": ("reused" if r.get("reused") else "ok") if r["ok"] else "ERROR",
                 "seconds": r["seconds"], "note": None if r["ok"] else first_line(r["error"]), "error": r["error"]})

    results = build_many(args.builds, args.target, args.arch, args.jobs, deadline, done, reuse=args.reuse)
    failed = sum(not r["ok"] for r in results.values())
    log.write(done=True, wall_s=time.monotonic() - t0)
    print(f"built {len(results) - failed}/{len(results)} in {time.monotonic() - t0:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
