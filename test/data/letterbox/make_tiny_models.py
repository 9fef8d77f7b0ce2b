#!/opt/yhcpy/bin/python
"""Tiny image models for the --input-format rgb8|bgr8 tests (test/passes/letterbox_input.test.ts,
test/golden/letterbox.test.ts). Run with /opt/yhcpy/bin/python (onnx, numpy).

tiny_raw.onnx     images [1, 3, 32, 32] -> Conv 3->6 k3 s2 p1 -> Reshape [1, 6, 256] -> * 8 ->
                  output0: a raw-head-shaped [B, 4 + nc, A] output (cx, cy, w, h rows), imgsz 32
tiny_sigmoid.onnx the same with a Sigmoid before the conv: the letterbox's reader is not a conv,
                  so it runs as its own kernel
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def model(name, sigmoid):
    rng = np.random.default_rng(7)
    w = numpy_helper.from_array(rng.normal(0, 0.5, (6, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.normal(0, 0.1, (6,)).astype(np.float32), "b")
    shape = numpy_helper.from_array(np.array([1, 6, 256], dtype=np.int64), "shape")
    eight = numpy_helper.from_array(np.array(8.0, dtype=np.float32), "eight")
    nodes = []
    x = "images"
    if sigmoid:
        nodes.append(helper.make_node("Sigmoid", ["images"], ["gated"], name="gate"))
        x = "gated"
    nodes += [
        helper.make_node("Conv", [x, "w", "b"], ["conv"], name="stem", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Reshape", ["conv", "shape"], ["flat"], name="flatten"),
        helper.make_node("Mul", ["flat", "eight"], ["output0"], name="scale"),
    ]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 6, 256])],
        [w, b, shape, eight],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_tiny_models.py")
    m.ir_version = 8
    helper.set_model_props(m, {"imgsz": "[32, 32]", "task": "detect"})
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(HERE, name + ".onnx"))


model("tiny_raw", sigmoid=False)
model("tiny_sigmoid", sigmoid=True)
