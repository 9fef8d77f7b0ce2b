"""Python ctypes binding of a yhc engine (the C ABI in include/yhc_engine.h).

    from yhc_engine import Engine
    with Engine("build/v10head_n") as engine:
        outputs = engine.run({"p3": p3, "p4": p4, "p5": p5})   # numpy arrays or raw bytes
        with engine.create_context() as context:              # the same weights, its own activations
            outputs = context.run({"p3": p3, "p4": p4, "p5": p5})  # in another thread meanwhile, if you like

Inputs and outputs are dense C-order buffers in the dtypes and shapes of manifest.json.
Needs only the standard library; with numpy installed, inputs may be numpy arrays and
outputs come back as numpy arrays. A build compiled with --symbol-prefix P (manifest.json's
symbolPrefix) is bound by its prefixed names. ctypes releases the GIL during a run, so contexts
run in Python threads at once (one thread per context).
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
        self.prefix = self.manifest.get("symbolPrefix") or ""
        p = ctypes.c_void_p
        ptrs = ctypes.POINTER(ctypes.c_void_p)
        self._fn("yhc_engine_create", [ctypes.c_char_p, ptrs])
        self._fn("yhc_engine_destroy", [p], None)
        self._fn("yhc_engine_run", [p, ptrs, ptrs, p])
        self._fn("yhc_engine_run_host", [p, ptrs, ptrs])
        self._fn("yhc_context_create", [p, ptrs])
        self._fn("yhc_context_destroy", [p], None)
        self._fn("yhc_context_run_host", [p, ptrs, ptrs])
        self._fn("yhc_context_last_error", [p], ctypes.c_char_p)
        self._fn("yhc_last_error", [], ctypes.c_char_p)
        self._fn("yhc_build_id", [], ctypes.c_char_p)
        if self.fn["yhc_build_id"]().decode() != self.manifest["buildId"]:
            raise EngineError("the library does not belong to this build directory (build id differs)")
        self.inputs = self.manifest["inputs"]
        self.outputs = self.manifest["outputs"]
        handle = ctypes.c_void_p()
        weights = os.path.join(self.dir, self.manifest["weights"]["file"]).encode()
        if self.fn["yhc_engine_create"](weights, ctypes.byref(handle)) != 0:
            raise EngineError(self.last_error())
        self.handle = handle
        self.contexts = []

    def _fn(self, name, argtypes, restype=ctypes.c_int):
        """Bind one C ABI function (by its prefixed name) as self.fn[name]."""
        f = getattr(self.lib, self.prefix + name)
        f.argtypes = argtypes
        f.restype = restype
        self.fn = getattr(self, "fn", {})
        self.fn[name] = f

    def last_error(self):
        return self.fn["yhc_last_error"]().decode(errors="replace")

    def create_context(self):
        """A new execution context: this engine's weights, its own activations, buffers and stream."""
        handle = ctypes.c_void_p()
        if self.fn["yhc_context_create"](self.handle, ctypes.byref(handle)) != 0:
            raise EngineError(self.last_error())
        context = Context(self, handle)
        self.contexts.append(context)
        return context

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
        return self._run(self.fn["yhc_engine_run_host"], self.handle, inputs, poison, self.last_error)

    def _run(self, call, handle, inputs, poison, error):
        missing = [i["name"] for i in self.inputs if i["name"] not in inputs]
        if missing:
            raise EngineError(f"missing inputs {missing}")
        in_bufs = [self._input_buffer(i, inputs[i["name"]]) for i in self.inputs]
        # Outputs start as 0xff bytes (NaN for floats): an element the engine never writes shows.
        out_bufs = [ctypes.create_string_buffer(b"\xff" * o["bytes"] if poison else b"", o["bytes"]) for o in self.outputs]
        in_ptrs = (ctypes.c_void_p * len(in_bufs))(*[ctypes.cast(b, ctypes.c_void_p) for b in in_bufs])
        out_ptrs = (ctypes.c_void_p * len(out_bufs))(*[ctypes.cast(b, ctypes.c_void_p) for b in out_bufs])
        if call(handle, in_ptrs, out_ptrs) != 0:
            raise EngineError(error())
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
            self.fn["yhc_engine_destroy"](self.handle)  # destroys its contexts too
            self.handle = None
            for c in self.contexts:
                c.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class Context:
    """An execution context of an Engine (yhc_context_create); one run at a time."""

    def __init__(self, engine, handle):
        self.engine = engine
        self.handle = handle

    def last_error(self):
        return self.engine.fn["yhc_context_last_error"](self.handle).decode(errors="replace")

    def run(self, inputs, poison=True):
        """Run once on host buffers through the context's own staged buffers and stream."""
        if not self.handle:
            raise EngineError("the context was closed (or its engine was)")
        return self.engine._run(self.engine.fn["yhc_context_run_host"], self.handle, inputs, poison, self.last_error)

    def close(self):
        if self.handle:
            self.engine.fn["yhc_context_destroy"](self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
