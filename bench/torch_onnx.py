"""The fixtures' ONNX graphs evaluated with PyTorch ops, for the GPU benchmark (bench/gpu_bench.py).

    model = TorchOnnx("test/data/fixtures/v10head_n.onnx", device="cuda", dtype=torch.float16)
    outputs = model(p3=..., p4=..., p5=...)          # {output name: tensor}
    graph = model.trace(p3=..., p4=..., p5=...)      # torch.fx.GraphModule, positional inputs

This interpreter walks the ONNX protobuf on every call (attribute parsing, numpy shape
arithmetic, host-to-device copies of constants): fine for a reference, wrong to time. `trace`
runs it once per input shape under make_fx and returns the flat aten graph (weights and folded
constants as device tensors of the module, nothing of ONNX left), which the benchmark times as
"eager" and hands to torch.compile (one graph, no graph breaks).

The same weights as the ONNX file, the same graph node by node, so PyTorch eager and
torch.compile time the model yhc compiles. Values that do not depend on the inputs (initializers
of integer type, Shape and the index arithmetic exporters write around it) are computed once with
numpy when the graph is first run at a given input shape and reach torch as Python constants,
which torch.compile can specialize on. Float initializers live on the device in `dtype`.

Covers the ops the fixtures use: Add, BatchNormalization, Cast, Concat, Constant,
ConstantOfShape, Conv, Div, Expand, Flatten, Gather, GatherElements, InstanceNormalization, Mod,
Mul, Pow, ReduceMax, ReduceMean, ReduceSum, Reshape, Shape, Sigmoid, Slice, Softmax, Split, Sub,
Tile, TopK, Transpose, Unsqueeze; and for the whole-model fixtures Identity, MatMul, MaxPool,
Resize (nearest, asymmetric, floor). Needs python3 with numpy, onnx and torch.
"""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

ONNX_TO_NUMPY = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64}


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _is_static(v):
    """Values computed with numpy (shape arithmetic): arrays, and the 0-d scalars numpy returns
    from np.take with a 0-d index (Gather) or a reduction."""
    return isinstance(v, (np.ndarray, np.generic))


class TorchOnnx:
    def __init__(self, path, device="cuda", dtype=torch.float32):
        self.model = onnx.load(path)
        self.graph = self.model.graph
        self.device = device
        self.dtype = dtype
        self.opset = next((o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")), 17)
        self.inputs = [i.name for i in self.graph.input if i.name not in {t.name for t in self.graph.initializer}]
        self.outputs = [o.name for o in self.graph.output]
        self.constants = {}
        for t in self.graph.initializer:
            a = numpy_helper.to_array(t)
            self.constants[t.name] = self._device(a) if a.dtype.kind == "f" else a

    def _device(self, a):
        return torch.from_numpy(np.array(a, order="C")).to(self.device, self.dtype if a.dtype.kind == "f" else None)

    def _tensor(self, v):
        """A value as a device tensor (static numpy values are moved on use)."""
        return self._device(v) if _is_static(v) else v

    def trace(self, **inputs):
        """The graph of this model at these input shapes, as a GraphModule taking the inputs
        positionally (self.inputs order) and returning the outputs as a tuple (self.outputs)."""
        from torch.fx.experimental.proxy_tensor import make_fx

        def positional(*xs):
            out = self(**dict(zip(self.inputs, xs)))
            return tuple(out[n] for n in self.outputs)

        return make_fx(positional)(*[inputs[n] for n in self.inputs])

    def __call__(self, **inputs):
        with torch.no_grad():
            env = dict(self.constants)
            env.update(inputs)
            for node in self.graph.node:
                args = [env[n] if n else None for n in node.input]
                results = self.run_node(node, args)
                for name, value in zip(node.output, results):
                    env[name] = value
            return {n: self._tensor(env[n]) for n in self.outputs}

    # ---- ops --------------------------------------------------------------------------------------
    def run_node(self, node, args):
        op = getattr(self, f"op_{node.op_type}", None)
        if op is None:
            raise NotImplementedError(f"TorchOnnx: op {node.op_type} ({node.name})")
        out = op(args, _attrs(node))
        return out if isinstance(out, (list, tuple)) else [out]

    def _binary(self, args, np_fn, torch_fn):
        a, b = args
        if _is_static(a) and _is_static(b):
            return np_fn(a, b)
        return torch_fn(self._tensor(a), self._tensor(b))

    def op_Add(self, args, at):
        return self._binary(args, np.add, torch.add)

    def op_Sub(self, args, at):
        return self._binary(args, np.subtract, torch.sub)

    def op_Mul(self, args, at):
        return self._binary(args, np.multiply, torch.mul)

    def op_Div(self, args, at):
        a, b = args
        if _is_static(a) and _is_static(b):
            return (a // b if a.dtype.kind in "iu" else a / b).astype(a.dtype)
        a, b = self._tensor(a), self._tensor(b)
        return torch.div(a, b, rounding_mode="trunc") if not a.is_floating_point() else a / b

    def op_Pow(self, args, at):
        a, b = args
        if _is_static(b) and b.size == 1 and float(b) == 2.0:
            return self._tensor(a) * self._tensor(a) if not _is_static(a) else a * a
        return self._binary(args, np.power, torch.pow)

    def op_Mod(self, args, at):
        if at.get("fmod", 0):
            return self._binary(args, np.fmod, torch.fmod)
        return self._binary(args, np.mod, torch.remainder)

    def op_Sigmoid(self, args, at):
        return torch.sigmoid(self._tensor(args[0]))

    def op_Softmax(self, args, at):
        return torch.softmax(self._tensor(args[0]), dim=at.get("axis", -1))

    def op_Conv(self, args, at):
        x, w = self._tensor(args[0]), self._tensor(args[1])
        b = self._tensor(args[2]) if len(args) > 2 and args[2] is not None else None
        pads = list(at.get("pads", [0] * (2 * (w.dim() - 2))))
        half = len(pads) // 2
        begin, end = pads[:half], pads[half:]
        if begin != end:  # asymmetric: pad explicitly (F.pad takes the last dim first)
            x = F.pad(x, [p for d in reversed(range(half)) for p in (begin[d], end[d])])
            begin = [0] * half
        return F.conv2d(x, w, b, stride=at.get("strides", 1), padding=begin, dilation=at.get("dilations", 1), groups=at.get("group", 1))

    def op_BatchNormalization(self, args, at):
        x, scale, bias, mean, var = [self._tensor(a) for a in args[:5]]
        return F.batch_norm(x, mean, var, scale, bias, False, 0.0, at.get("epsilon", 1e-5))

    def op_InstanceNormalization(self, args, at):
        x, scale, bias = [self._tensor(a) for a in args]
        return F.instance_norm(x, weight=scale, bias=bias, eps=at.get("epsilon", 1e-5))

    def _axes(self, args, at):
        if "axes" in at:
            return list(at["axes"])
        if len(args) > 1 and args[1] is not None:
            return [int(a) for a in np.asarray(args[1]).reshape(-1)]
        return None

    def _reduce(self, args, at, np_fn, torch_fn):
        x = args[0]
        axes = self._axes(args, at)
        keep = bool(at.get("keepdims", 1))
        if _is_static(x):
            return np_fn(x, axis=tuple(axes) if axes is not None else None, keepdims=keep)
        dims = axes if axes is not None else list(range(x.dim()))
        return torch_fn(x, dims, keep)

    def op_ReduceMean(self, args, at):
        return self._reduce(args, at, np.mean, lambda x, d, k: x.mean(dim=d, keepdim=k))

    def op_ReduceSum(self, args, at):
        return self._reduce(args, at, np.sum, lambda x, d, k: x.sum(dim=d, keepdim=k))

    def op_ReduceMax(self, args, at):
        return self._reduce(args, at, np.max, lambda x, d, k: x.amax(dim=d, keepdim=k))

    def op_Shape(self, args, at):
        return np.array(args[0].shape, dtype=np.int64)

    def op_Constant(self, args, at):
        v = at["value"]
        a = numpy_helper.to_array(v) if isinstance(v, onnx.TensorProto) else np.array(v)
        return self._device(a) if a.dtype.kind == "f" and a.size > 1 else a

    def op_ConstantOfShape(self, args, at):
        value = numpy_helper.to_array(at["value"]) if "value" in at else np.zeros(1, np.float32)
        return np.full([int(d) for d in args[0]], value.reshape(-1)[0], dtype=value.dtype)

    def op_Cast(self, args, at):
        x = args[0]
        target = ONNX_TO_NUMPY[at["to"]]
        if _is_static(x):
            return x.astype(target)
        if np.dtype(target).kind == "f":
            return x.to(self.dtype)
        return x.to({np.int64: torch.int64, np.int32: torch.int32, np.bool_: torch.bool}[target])

    def _shape_arg(self, x, shape, allowzero=0):
        shape = [int(d) for d in np.asarray(shape).reshape(-1)]
        return [x.shape[i] if d == 0 and not allowzero else d for i, d in enumerate(shape)]

    def op_Reshape(self, args, at):
        x, shape = args
        s = self._shape_arg(x, shape, at.get("allowzero", 0))
        return x.reshape(s)

    def op_Flatten(self, args, at):
        x = args[0]
        axis = at.get("axis", 1)
        if axis < 0:
            axis += len(x.shape)
        outer = int(np.prod(x.shape[:axis])) if axis else 1
        return x.reshape(outer, -1)

    def op_Transpose(self, args, at):
        x = args[0]
        perm = at.get("perm", list(reversed(range(len(x.shape)))))
        return np.transpose(x, perm) if _is_static(x) else x.permute(*perm)

    def op_Unsqueeze(self, args, at):
        x = args[0]
        axes = sorted(a % (len(x.shape) + len(self._axes(args, at))) for a in self._axes(args, at))
        for a in axes:
            x = np.expand_dims(x, a) if _is_static(x) else x.unsqueeze(a)
        return x

    def op_Concat(self, args, at):
        axis = at["axis"]
        if all(_is_static(a) for a in args):
            return np.concatenate(args, axis=axis)
        return torch.cat([self._tensor(a) for a in args], dim=axis)

    def op_Split(self, args, at):
        x = args[0]
        axis = at.get("axis", 0)
        if len(args) > 1 and args[1] is not None:
            sizes = [int(s) for s in args[1]]
        elif "split" in at:
            sizes = list(at["split"])
        else:
            n = at.get("num_outputs")
            size = -(-x.shape[axis] // n)
            sizes = [min(size, x.shape[axis] - i * size) for i in range(n)]
        return list(torch.split(self._tensor(x), sizes, dim=axis))

    def op_Slice(self, args, at):
        x = args[0]
        starts, ends = [int(v) for v in args[1]], [int(v) for v in args[2]]
        axes = [int(v) for v in args[3]] if len(args) > 3 and args[3] is not None else list(range(len(starts)))
        steps = [int(v) for v in args[4]] if len(args) > 4 and args[4] is not None else [1] * len(starts)
        index = [slice(None)] * len(x.shape)
        for s, e, a, st in zip(starts, ends, axes, steps):
            if st != 1:
                raise NotImplementedError("TorchOnnx: Slice with a step other than 1")
            dim = x.shape[a]
            index[a] = slice(max(0, min(dim, s + dim if s < 0 else s)), max(0, min(dim, e + dim if e < 0 else e)))
        return x[tuple(index)]

    def op_Gather(self, args, at):
        x, idx = args
        axis = at.get("axis", 0)
        if _is_static(x) and _is_static(idx):
            return np.take(x, idx, axis=axis)
        x = self._tensor(x)
        idx = self._tensor(idx).long()
        idx = torch.where(idx < 0, idx + x.shape[axis], idx)
        flat = torch.index_select(x, axis, idx.reshape(-1))
        return flat.reshape(*x.shape[:axis], *idx.shape, *x.shape[axis + 1 :])

    def op_GatherElements(self, args, at):
        x, idx = self._tensor(args[0]), self._tensor(args[1]).long()
        axis = at.get("axis", 0)
        idx = torch.where(idx < 0, idx + x.shape[axis], idx)
        return torch.gather(x, axis, idx)

    def op_TopK(self, args, at):
        x = self._tensor(args[0])
        k = int(np.asarray(args[1]).reshape(-1)[0])
        values, indices = torch.topk(x, k, dim=at.get("axis", -1), largest=bool(at.get("largest", 1)), sorted=bool(at.get("sorted", 1)))
        return [values, indices]

    def op_Expand(self, args, at):
        x, shape = args
        shape = [int(d) for d in shape]
        rank = max(len(shape), len(x.shape))
        xs = [1] * (rank - len(x.shape)) + list(x.shape)
        ss = [1] * (rank - len(shape)) + shape
        target = [a if b == 1 else b for a, b in zip(xs, ss)]
        if _is_static(x):
            return np.broadcast_to(x.reshape(xs), target).copy()
        return x.reshape(xs).expand(*target)

    def op_Tile(self, args, at):
        x, repeats = args
        reps = [int(r) for r in repeats]
        return np.tile(x, reps) if _is_static(x) else x.repeat(*reps)

    # ---- ops of the whole-model fixtures (../shared/fixtures/models) ------------------------------
    def op_Identity(self, args, at):
        return args[0]

    def op_MatMul(self, args, at):
        return self._binary(args, np.matmul, torch.matmul)

    def op_MaxPool(self, args, at):
        x = self._tensor(args[0])
        k = list(at["kernel_shape"])
        pads = list(at.get("pads", [0] * (2 * len(k))))
        if pads[: len(k)] != pads[len(k) :]:
            raise NotImplementedError("TorchOnnx: MaxPool with asymmetric pads")
        return F.max_pool2d(x, k, stride=at.get("strides", k), padding=pads[: len(k)], dilation=at.get("dilations", 1),
                            ceil_mode=bool(at.get("ceil_mode", 0)))

    def op_Resize(self, args, at):
        x = self._tensor(args[0])
        mode = at.get("mode", b"nearest")
        ctm = at.get("coordinate_transformation_mode", b"half_pixel")
        nearest = at.get("nearest_mode", b"round_prefer_floor")
        mode, ctm, nearest = [v.decode() if isinstance(v, bytes) else v for v in (mode, ctm, nearest)]
        if mode != "nearest" or ctm != "asymmetric" or nearest != "floor":
            raise NotImplementedError(f"TorchOnnx: Resize mode {mode}, {ctm}, {nearest} (nearest, asymmetric, floor only)")
        scales = args[2] if len(args) > 2 and args[2] is not None and np.asarray(args[2]).size else None
        sizes = args[3] if len(args) > 3 and args[3] is not None else None
        if sizes is not None:
            return F.interpolate(x, size=[int(s) for s in np.asarray(sizes).reshape(-1)[2:]], mode="nearest")
        return F.interpolate(x, scale_factor=[float(s) for s in np.asarray(scales).reshape(-1)[2:]], mode="nearest")
