"""Python ctypes binding of a yhc engine (the C ABI in include/yhc_engine.h).

    from yhc_engine import Engine
    with Engine("build/v10head_n") as engine:
        outputs = engine.run({"p3": p3, "p4": p4, "p5": p5})   # numpy arrays or raw bytes

Inputs and outputs are dense C-order buffers in the dtypes and shapes of manifest.json.
Needs only the standard library; with numpy installed, inputs may be numpy arrays and
outputs come back as numpy arrays.
"""
import ctypes
import json
import os

try:
    import numpy as np
except ImportError:  # numpy is optional
    np = None

NUMPY_DTYPES = {
    "float32": "float32", "float64": "float64", "float16": "float16", "int8": "int8", "uint8": "uint8",
    "int16": "int16", "uint16": "uint16", "int32": "int32", "uint32": "uint32", "int64": "int64",
    "uint64": "uint64", "bool": "bool",
}


class EngineError(RuntimeError):
    pass


class Engine:
    """A built engine: manifest.json + weights.bin + lib/libyhc_<model>.so."""

    def __init__(self, build_dir, library=None):
        self.dir = os.path.abspath(build_dir)
        with open(os.path.join(self.dir, "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)
        lib_path = library or self.manifest.get("library")
        if not lib_path:
            raise EngineError(f"{self.dir} has no engine library (compiled with --no-build)")
        self.lib = ctypes.CDLL(os.path.join(self.dir, lib_path), mode=ctypes.RTLD_LOCAL)
        self.lib.yhc_engine_create.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        self.lib.yhc_engine_destroy.argtypes = [ctypes.c_void_p]
        self.lib.yhc_engine_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
        self.lib.yhc_engine_run_host.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        self.lib.yhc_last_error.restype = ctypes.c_char_p
        self.lib.yhc_build_id.restype = ctypes.c_char_p
        self.lib.yhc_input_bytes.restype = ctypes.c_size_t
        self.lib.yhc_output_bytes.restype = ctypes.c_size_t
        if self.lib.yhc_build_id().decode() != self.manifest["buildId"]:
            raise EngineError("the library does not belong to this build directory (build id differs)")
        self.inputs = self.manifest["inputs"]
        self.outputs = self.manifest["outputs"]
        handle = ctypes.c_void_p()
        weights = os.path.join(self.dir, self.manifest["weights"]["file"]).encode()
        if self.lib.yhc_engine_create(weights, ctypes.byref(handle)) != 0:
            raise EngineError(self.last_error())
        self.handle = handle

    def last_error(self):
        return self.lib.yhc_last_error().decode(errors="replace")

    def _input_buffer(self, info, value):
        if np is not None and isinstance(value, np.ndarray):
            value = np.ascontiguousarray(value, dtype=NUMPY_DTYPES[info["dtype"]])
            if list(value.shape) != list(info["shape"]):
                raise EngineError(f"input {info['name']!r} has shape {list(value.shape)}, expected {info['shape']}")
            value = value.tobytes()
        data = bytes(value)
        if len(data) != info["bytes"]:
            raise EngineError(f"input {info['name']!r} has {len(data)} bytes, expected {info['bytes']}")
        return ctypes.create_string_buffer(data, len(data))

    def run(self, inputs, poison=True):
        """Run once on host buffers; returns {output name: numpy array or bytes}."""
        missing = [i["name"] for i in self.inputs if i["name"] not in inputs]
        if missing:
            raise EngineError(f"missing inputs {missing}")
        in_bufs = [self._input_buffer(i, inputs[i["name"]]) for i in self.inputs]
        # Outputs start as 0xff bytes (NaN for floats): an element the engine never writes shows.
        out_bufs = [ctypes.create_string_buffer(b"\xff" * o["bytes"] if poison else b"", o["bytes"]) for o in self.outputs]
        in_ptrs = (ctypes.c_void_p * len(in_bufs))(*[ctypes.cast(b, ctypes.c_void_p) for b in in_bufs])
        out_ptrs = (ctypes.c_void_p * len(out_bufs))(*[ctypes.cast(b, ctypes.c_void_p) for b in out_bufs])
        if self.lib.yhc_engine_run_host(self.handle, in_ptrs, out_ptrs) != 0:
            raise EngineError(self.last_error())
        result = {}
        for info, buf in zip(self.outputs, out_bufs):
            raw = buf.raw[: info["bytes"]]
            if np is not None:
                result[info["name"]] = np.frombuffer(raw, dtype=NUMPY_DTYPES[info["dtype"]]).reshape(info["shape"]).copy()
            else:
                result[info["name"]] = raw
        return result

    def close(self):
        if getattr(self, "handle", None):
            self.lib.yhc_engine_destroy(self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
