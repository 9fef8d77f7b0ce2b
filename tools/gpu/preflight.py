"""One-second preflight, printed first by tools/gpu/device_run.sh: the CUDA driver's version (the
newest CUDA it supports), the toolkit nvcc will build with (engines link its cudart statically, so
the driver must support it), the device name, compute capability, and free / total memory.

    python3 tools/gpu/preflight.py [--json FILE] [--dry-run]

Standard library only (ctypes on libcuda.so.1, the driver API). Exit status 0 when a device is
usable and the driver supports the toolkit's CUDA major version; 1 otherwise (with --dry-run:
always 0, it only reports).
"""
import argparse
import ctypes
import json
import re
import subprocess
import sys


def version(v):
    return f"{v // 1000}.{(v % 1000) // 10}"


def toolkit():
    try:
        out = subprocess.run(["nvcc", "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"release (\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else None


def driver():
    """{driver, devices: [{name, cc, free, total}]} or {error}."""
    try:
        cu = ctypes.CDLL("libcuda.so.1")
    except OSError as e:
        return {"error": f"no CUDA driver (libcuda.so.1: {e})"}
    v = ctypes.c_int()
    if cu.cuDriverGetVersion(ctypes.byref(v)) != 0:
        return {"error": "cuDriverGetVersion failed"}
    info = {"driver": v.value, "devices": []}
    status = cu.cuInit(0)
    if status != 0:
        info["error"] = f"cuInit failed (CUresult {status})"
        return info
    n = ctypes.c_int()
    cu.cuDeviceGetCount(ctypes.byref(n))
    for i in range(n.value):
        dev = ctypes.c_int()
        cu.cuDeviceGet(ctypes.byref(dev), i)
        name = ctypes.create_string_buffer(256)
        cu.cuDeviceGetName(name, 256, dev)
        major, minor = ctypes.c_int(), ctypes.c_int()
        cu.cuDeviceGetAttribute(ctypes.byref(major), 75, dev)  # COMPUTE_CAPABILITY_MAJOR
        cu.cuDeviceGetAttribute(ctypes.byref(minor), 76, dev)
        ctx = ctypes.c_void_p()
        free, total = ctypes.c_size_t(), ctypes.c_size_t()
        if cu.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev) == 0:
            cu.cuCtxSetCurrent(ctx)
            cu.cuMemGetInfo_v2(ctypes.byref(free), ctypes.byref(total))
            cu.cuDevicePrimaryCtxRelease(dev)
        info["devices"].append({"name": name.value.decode(errors="replace"), "cc": f"{major.value}.{minor.value}",
                                "free": free.value, "total": total.value})
    return info


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json")
    p.add_argument("--dry-run", action="store_true")
    args = p.parse_args()
    tk = toolkit()
    d = driver()
    lines = [f"toolkit (nvcc, cudart linked statically into engines): {'%d.%d' % tk if tk else 'nvcc not found'}"]
    ok = True
    if "driver" in d:
        lines.append(f"driver supports CUDA up to {version(d['driver'])}")
        if tk and d["driver"] // 1000 < tk[0]:
            lines.append(f"PROBLEM: the driver's CUDA {version(d['driver'])} is older than the toolkit's major {tk[0]}: "
                         "engines would fail with cudaErrorInsufficientDriver")
            ok = False
        elif tk and d["driver"] < tk[0] * 1000 + tk[1] * 10:
            lines.append("note: the driver is older than the toolkit's minor version (minor-version compatibility applies)")
    for i, dev in enumerate(d.get("devices", [])):
        lines.append(f"device {i}: {dev['name']}, sm_{dev['cc'].replace('.', '')}, "
                     f"{dev['free'] / 2**30:.1f} GiB free of {dev['total'] / 2**30:.1f} GiB")
    if "error" in d or not d.get("devices"):
        lines.append(d.get("error", "no CUDA device"))
        ok = False
    print("preflight: " + "\npreflight: ".join(lines), flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"toolkit": tk, **d, "ok": ok}, f, indent=2)
    return 0 if ok or args.dry_run else 1


if __name__ == "__main__":
    sys.exit(main())
