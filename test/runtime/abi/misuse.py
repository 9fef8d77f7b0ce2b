"""The engine's C ABI under misuse from Python (ctypes, standard library only):
    python3 misuse.py LIBRARY WEIGHTS OTHER_BUILD_WEIGHTS SCRATCH_DIR
Prints one line per case, "<case> <status> <yhc_last_error()>", like misuse.c."""
import ctypes
import os
import sys

lib_path, weights, other, scratch = sys.argv[1:5]
lib = ctypes.CDLL(lib_path)
Engine = ctypes.c_void_p
lib.yhc_engine_create.argtypes = [ctypes.c_char_p, ctypes.POINTER(Engine)]
lib.yhc_engine_destroy.argtypes = [Engine]
lib.yhc_engine_destroy.restype = None
lib.yhc_engine_run_host_batch.argtypes = [Engine, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
lib.yhc_last_error.restype = ctypes.c_char_p
lib.yhc_input_bytes.restype = ctypes.c_size_t
lib.yhc_output_bytes.restype = ctypes.c_size_t


def report(name, status):
    print(f"{name} {status} {lib.yhc_last_error().decode()}")


def buffers():
    ins = [ctypes.create_string_buffer(lib.yhc_input_bytes(i)) for i in range(lib.yhc_num_inputs())]
    outs = [ctypes.create_string_buffer(lib.yhc_output_bytes(i)) for i in range(lib.yhc_num_outputs())]
    keep = ins + outs
    in_ptrs = (ctypes.c_void_p * len(ins))(*[ctypes.cast(b, ctypes.c_void_p) for b in ins])
    out_ptrs = (ctypes.c_void_p * len(outs))(*[ctypes.cast(b, ctypes.c_void_p) for b in outs])
    return in_ptrs, out_ptrs, keep


e = Engine()
report("create_null_path", lib.yhc_engine_create(None, ctypes.byref(e)))
report("create_missing_file", lib.yhc_engine_create(b"/nonexistent/weights.bin", ctypes.byref(e)))
report("create_other_build", lib.yhc_engine_create(other.encode(), ctypes.byref(e)))
data = open(weights, "rb").read()
flipped = os.path.join(scratch, "flipped_py.bin")
with open(flipped, "wb") as f:
    f.write(data[:70] + bytes([data[70] ^ 0xFF]) + data[71:])
report("create_bit_flipped", lib.yhc_engine_create(flipped.encode(), ctypes.byref(e)))
report("create", lib.yhc_engine_create(weights.encode(), ctypes.byref(e)))
ins, outs, keep = buffers()
batch = lib.yhc_max_batch()
report("run_null_engine", lib.yhc_engine_run_host_batch(None, batch, ins, outs))
report("run_null_inputs", lib.yhc_engine_run_host_batch(e, batch, None, outs))
report("run_batch_0", lib.yhc_engine_run_host_batch(e, 0, ins, outs))
report("run_batch_over_max", lib.yhc_engine_run_host_batch(e, batch + 1, ins, outs))
report("run", lib.yhc_engine_run_host_batch(e, batch, ins, outs))
lib.yhc_engine_destroy(e)
report("run_after_destroy", lib.yhc_engine_run_host_batch(e, batch, ins, outs))
lib.yhc_engine_destroy(e)
lib.yhc_engine_destroy(None)
print("destroy_twice_and_null 0")
