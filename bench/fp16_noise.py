"""How far fp16 storage alone moves a model's outputs (docs/golden_rules.md, "fp16 storage").

onnxruntime runs the original model twice: as is (fp32), and with a Cast to float16 and back
after every tensor yhc's fp16 plan stores in half (codegen/precision.ts: conv outputs, dense conv
inputs — tensor cores read half — and the MaxPool/Resize/Concat/Split/residual-Add outputs of the
body; not attention, not the detect module's postprocess) and the conv weights rounded to half.
No yhc code is involved. It prints, for the recorded input and for inputs perturbed by
1e-7·N(0,1) relative (an fp32 ulp or so), the smallest rtol at which the simulated fp16 output
passes the golden rule against fp32 (the rule of tools/gpu/yhc_compare.py, one rtol for scores and
boxes), and how much the same perturbation moves the fp32 model.

    /opt/yhcpy/bin/python bench/fp16_noise.py MODEL.onnx MODEL.input.images.bin [PERTURBED=4]
"""
import copy
import os
import re
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "gpu"))
from yhc_compare import compare_dense, compare_detections  # noqa: E402

BODY_OPS = {"MaxPool", "Resize", "Concat", "Split", "Add"}


def half_plan(model):
    """Tensors to round and convs whose weights to round, following yhc's fp16 plan."""
    g = model.graph
    modules = [int(m.group(1)) for n in g.node for m in [re.match(r"/model\.(\d+)/", n.name)] if m]
    detect = f"/model.{max(modules)}/" if modules else None
    readers = {}
    for n in g.node:
        for x in n.input:
            readers.setdefault(x, []).append(n)
    attrs = lambda n: {a.name: helper.get_attribute_value(a) for a in n.attribute}  # noqa: E731
    acts, convs = set(), set()
    for c in (n for n in g.node if n.op_type == "Conv" and "dfl" not in n.name):
        convs.add(c.name)
        out, users = c.output[0], readers.get(c.output[0], [])
        if users and all(u.op_type in ("Sigmoid", "Mul") and "/act/" in u.name for u in users):
            out = next(u for u in users if u.op_type == "Mul").output[0]  # SiLU: yhc stores after it
        acts.add(out)
        if attrs(c).get("group", 1) == 1:
            acts.add(c.input[0])
    for n in g.node:
        if n.op_type in BODY_OPS and "/attn/" not in n.name and not (detect and n.name.startswith(detect)):
            acts.update(n.output)
    acts.discard(g.input[0].name)
    return acts, convs


def with_half_storage(model, acts, convs):
    m = copy.deepcopy(model)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    for n in g.node:
        if n.name in convs:
            for w in n.input[1:]:
                if w in inits and inits[w].data_type == TensorProto.FLOAT:
                    a = numpy_helper.to_array(inits[w]).astype(np.float16).astype(np.float32)
                    inits[w].CopyFrom(numpy_helper.from_array(a, w))
    for name in sorted(acts):
        for n in g.node:
            for i, x in enumerate(n.input):
                if x == name:
                    n.input[i] = name + "_r16"
        g.node.append(helper.make_node("Cast", [name], [name + "_h"], to=TensorProto.FLOAT16))
        g.node.append(helper.make_node("Cast", [name + "_h"], [name + "_r16"], to=TensorProto.FLOAT))
    done, nodes, order = set(i.name for i in g.input) | set(inits) | {""}, list(g.node), []
    while nodes:  # topological order again
        rest = [n for n in nodes if not all(x in done for x in n.input)]
        for n in nodes:
            if n not in rest:
                order.append(n)
                done.update(n.output)
        assert len(rest) < len(nodes)
        nodes = rest
    del g.node[:]
    g.node.extend(order)
    return m


def run(model, x):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    s = ort.InferenceSession(model.SerializeToString(), so)
    return s.run(None, {model.graph.input[0].name: x})[0]


def passes(y, ref, rtol):
    if y.shape[-1] == 6 and y.ndim == 3:
        return compare_detections(y.reshape(-1).tolist(), ref.reshape(-1).tolist(), list(y.shape), rtol)["ok"]
    return compare_dense(y.reshape(-1).tolist(), ref.reshape(-1).tolist(), rtol)["ok"]


def min_rtol(y, ref):
    lo, hi = 1e-5, 0.5
    if not passes(y, ref, hi):
        return float("inf")
    for _ in range(14):
        mid = (lo * hi) ** 0.5
        lo, hi = (lo, mid) if passes(y, ref, mid) else (mid, hi)
    return hi


def main():
    path, inp = sys.argv[1], sys.argv[2]
    perturbed = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    model = onnx.load(path)
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    x = np.fromfile(inp, dtype=np.float32).reshape(shape)
    half = with_half_storage(model, *half_plan(model))
    ref = run(model, x)
    rng = np.random.default_rng(1)
    needs, fp32_moves = [], []
    for i in range(perturbed + 1):
        xp = x if i == 0 else (x * (1 + 1e-7 * rng.standard_normal(x.shape))).astype(np.float32)
        needs.append(min_rtol(run(half, xp), ref))
        if i > 0:
            fp32_moves.append(min_rtol(run(model, xp), ref))
    name = os.path.basename(path)
    print(f"{name}: fp16 storage needs rtol {needs[0]:.4f} on the recorded input; perturbed: " + ", ".join(f"{v:.4f}" for v in needs[1:]))
    if fp32_moves:
        print(f"{name}: fp32 with the same perturbations needs rtol {max(fp32_moves):.1e} at most")


if __name__ == "__main__":
    main()
