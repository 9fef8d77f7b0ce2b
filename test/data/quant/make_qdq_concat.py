"""A tiny detector-shaped model quantized the way onnxruntime's quantize_static quantizes YOLO
exports: its output Concat joins boxes (pixels, up to ~700) and Sigmoid scores (0..1), and the QDQ
quantizer gives the Concat ONE scale, so every score rounds to 0. `yhc inspect` must warn.

Run with /opt/yhcpy/bin/python (torch, onnx, onnxruntime); writes qdq_concat_boxes_scores.onnx."""
import numpy as np
import onnx
import torch
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static


class Head(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.box = torch.nn.Conv2d(8, 4, 1)
        self.cls = torch.nn.Conv2d(8, 3, 1)

    def forward(self, x):
        boxes = torch.relu(self.box(x)).flatten(2) * 800.0
        scores = torch.sigmoid(self.cls(x)).flatten(2)
        return torch.cat([boxes, scores], 1)


class Reader(CalibrationDataReader):
    def __init__(self):
        rng = np.random.default_rng(0)
        self.data = iter([{"x": rng.random((1, 8, 4, 4), dtype=np.float32)} for _ in range(4)])

    def get_next(self):
        return next(self.data, None)


torch.onnx.export(Head(), torch.rand(1, 8, 4, 4), "float.tmp.onnx", input_names=["x"], output_names=["preds"], opset_version=17, dynamo=False)
quantize_static("float.tmp.onnx", "qdq_concat_boxes_scores.onnx", Reader(), quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
m = onnx.load("qdq_concat_boxes_scores.onnx")
print([n.op_type for n in m.graph.node])
