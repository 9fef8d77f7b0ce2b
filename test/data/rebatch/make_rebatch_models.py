"""Small static batch-1 models for test/onnx/rebatch.test.ts (--batch N on a static export).

rebatch_ok.onnx: what torch's tracer writes at batch 1 and yhc must re-batch — a Reshape to a
hard-coded [1, C, -1], a Transpose, a Softmax, a Concat with a constant [1, ...] row, TopK, and
the advanced indexing x[arange(1)[:, None], idx] (Flatten of the batch into the rows, Gather at
idx + 0·rows), then an Expand to a hard-coded [1, ...] shape.
rebatch_bad.onnx: a Reshape that folds the batch into the channels ([1, 4, 8, 8] → [4, 64]).
rebatch_bad_reduce.onnx: a ReduceMean over the batch axis (keepdims, so shapes alone look fine).
rebatch_static2.onnx: a static batch 2 export.
Run with /opt/yhcpy/bin/python make_rebatch_models.py.
"""
import onnx
import torch
from onnx import TensorProto, helper


class Ok(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.register_buffer("row", torch.linspace(-1, 1, 64 * 2).reshape(1, 64, 2))

    def forward(self, x):
        y = self.conv(x).view(1, 4, -1)  # hard-coded batch 1
        t = y.transpose(1, 2).softmax(-1)  # [1, 64, 4]
        t = torch.cat([t, self.row], 2)  # [1, 64, 6]
        score, idx = t.amax(-1).topk(10, dim=-1)  # [1, 10]
        picked = t[torch.arange(1)[:, None], idx]  # [1, 10, 6]
        return torch.cat([picked, score.unsqueeze(-1).expand(1, 10, 2)], -1)


torch.manual_seed(0)
torch.onnx.export(Ok().eval(), torch.randn(1, 3, 8, 8), "rebatch_ok.onnx", input_names=["images"], output_names=["out"], opset_version=17, dynamo=False)

x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 4, 8, 8])
y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [4, 64])
shape = helper.make_tensor("shape", TensorProto.INT64, [2], [4, 64])
g = helper.make_graph([helper.make_node("Reshape", ["images", "shape"], ["r"], name="fold_batch"), helper.make_node("Relu", ["r"], ["out"], name="relu")], "bad", [x], [y], [shape])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), "rebatch_bad.onnx")

y2 = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 8, 8])
axes = helper.make_tensor("axes", TensorProto.INT64, [1], [0])
g2 = helper.make_graph(
    [helper.make_node("ReduceMean", ["images", "axes"], ["m"], name="mean_over_batch", keepdims=1), helper.make_node("Sub", ["images", "m"], ["out"], name="sub")],
    "bad_reduce", [x], [y2], [axes])
onnx.save(helper.make_model(g2, opset_imports=[helper.make_opsetid("", 18)]), "rebatch_bad_reduce.onnx")

# rebatch_static2.onnx: exported at a static batch 2, which --batch cannot change.
x2 = helper.make_tensor_value_info("images", TensorProto.FLOAT, [2, 4])
y3 = helper.make_tensor_value_info("out", TensorProto.FLOAT, [2, 4])
g3 = helper.make_graph([helper.make_node("Relu", ["images"], ["out"], name="relu")], "static2", [x2], [y3])
onnx.save(helper.make_model(g3, opset_imports=[helper.make_opsetid("", 17)]), "rebatch_static2.onnx")
