"""Small QDQ models for the recognize-qdq and Q/DQ kernel tests (run with /opt/yhcpy/bin/python
from this folder; writes the .onnx files next to it, seeded, so a rerun gives the same bytes).

- small_qdq.onnx: a YOLO-like block in float — Conv+SiLU, Split, a bottleneck with a residual
  Add, Concat, SPPF-style MaxPool, nearest Resize, a strided conv, a head conv — quantized with
  onnxruntime's quantize_static (QDQ, per-channel int8 weights, int8 activations, MinMax over 4
  seeded calibration inputs), as the whole-model QDQ fixtures were made. Input x [1, 8, 16, 16].
- small_qdq_uint8.onnx: the same float block with QUInt8 activations and per-tensor QUInt8
  weights (non-zero zero points).
- bad_int4_weights.onnx, bad_float8_activation.onnx: a DequantizeLinear of INT4 weights and a
  QuantizeLinear to FLOAT8E4M3FN, which yhc refuses with a one-line typed error.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

rng = np.random.default_rng(11)


def conv(nodes, inits, name, x, cin, cout, k=3, stride=1, act=True):
    w = (rng.standard_normal((cout, cin, k, k)) * (1.0 / np.sqrt(cin * k * k))).astype(np.float32)
    b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
    inits += [numpy_helper.from_array(w, f"{name}.w"), numpy_helper.from_array(b, f"{name}.b")]
    nodes.append(helper.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [f"{name}.y"], name=f"{name}/Conv", kernel_shape=[k, k], pads=[k // 2] * 4, strides=[stride, stride]))
    if not act:
        return f"{name}.y"
    nodes.append(helper.make_node("Sigmoid", [f"{name}.y"], [f"{name}.s"], name=f"{name}/Sigmoid"))
    nodes.append(helper.make_node("Mul", [f"{name}.y", f"{name}.s"], [f"{name}.a"], name=f"{name}/Mul"))
    return f"{name}.a"


def float_block():
    nodes, inits = [], []
    a = conv(nodes, inits, "c0", "x", 8, 16)
    inits.append(numpy_helper.from_array(np.array([8, 8], np.int64), "split"))
    nodes.append(helper.make_node("Split", [a, "split"], ["s0", "s1"], name="split", axis=1))
    m = conv(nodes, inits, "m1", "s1", 8, 8)
    m = conv(nodes, inits, "m2", m, 8, 8)
    nodes.append(helper.make_node("Add", ["s1", m], ["res"], name="residual"))
    nodes.append(helper.make_node("Concat", ["s0", "s1", "res"], ["cat"], name="cat", axis=1))
    c = conv(nodes, inits, "c1", "cat", 24, 16, k=1)
    nodes.append(helper.make_node("MaxPool", [c], ["p1"], name="pool1", kernel_shape=[5, 5], pads=[2, 2, 2, 2], strides=[1, 1]))
    nodes.append(helper.make_node("MaxPool", ["p1"], ["p2"], name="pool2", kernel_shape=[5, 5], pads=[2, 2, 2, 2], strides=[1, 1]))
    nodes.append(helper.make_node("Concat", [c, "p1", "p2"], ["sppf"], name="sppf_cat", axis=1))
    d = conv(nodes, inits, "down", "sppf", 48, 16, stride=2)
    inits.append(numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "up_scales"))
    nodes.append(helper.make_node("Resize", [d, "", "up_scales"], ["up"], name="up", mode="nearest"))
    nodes.append(helper.make_node("Concat", ["up", c], ["fuse"], name="fuse_cat", axis=1))
    h = conv(nodes, inits, "h0", "fuse", 32, 16)
    y = conv(nodes, inits, "head", h, 16, 6, k=1, act=False)
    graph = helper.make_graph(
        nodes,
        "small_block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 16, 16])],
        [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 6, 16, 16])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


class Reader(CalibrationDataReader):
    def __init__(self):
        r = np.random.default_rng(5)
        self.data = iter([{"x": r.uniform(-1, 1, (1, 8, 16, 16)).astype(np.float32)} for _ in range(4)])

    def get_next(self):
        return next(self.data, None)


def quantized(out, activation, weight, per_channel):
    onnx.save(float_block(), "/tmp/small_block_float.onnx")
    quantize_static(
        "/tmp/small_block_float.onnx",
        out,
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=per_channel,
        activation_type=activation,
        weight_type=weight,
    )


def bad_models():
    w = helper.make_tensor("w_q", TensorProto.INT4, [2, 2, 1, 1], [1, -2, 3, 4])
    s = numpy_helper.from_array(np.array(0.1, np.float32), "w_s")
    nodes = [
        helper.make_node("DequantizeLinear", ["w_q", "w_s"], ["w"], name="w_dq"),
        helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[1, 1]),
    ]
    g = helper.make_graph(nodes, "int4", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])], [w, s])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
    m.ir_version = 10
    onnx.save(m, "bad_int4_weights.onnx")
    z = helper.make_tensor("z", TensorProto.FLOAT8E4M3FN, [], [0.0])
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "w_s", "z"], ["q"], name="x_q_float8"),
        helper.make_node("DequantizeLinear", ["q", "w_s", "z"], ["y"], name="x_dq_float8"),
    ]
    g = helper.make_graph(nodes, "float8", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])], [s, z])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
    m.ir_version = 10
    onnx.save(m, "bad_float8_activation.onnx")


if __name__ == "__main__":
    quantized("small_qdq.onnx", QuantType.QInt8, QuantType.QInt8, True)
    quantized("small_qdq_uint8.onnx", QuantType.QUInt8, QuantType.QUInt8, False)
    bad_models()
