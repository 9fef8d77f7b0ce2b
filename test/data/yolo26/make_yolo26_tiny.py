"""A tiny YOLO26-like detector for yhc's tests: yolo26_tiny.onnx and its recorded input/output.

Written for yhc from the published description of the YOLO26 head (ultralytics Detect with
reg_max 1 and end2end): the box branch gives the 4 distances directly (no DFL), boxes are
decoded as xyxy with the anchor points and strides, scores are sigmoids, and the NMS-free
postprocess is Detect.get_topk_index's arrangement: the max_det anchors of best max-class score
(ReduceMax, TopK), their class scores gathered (Tile, GatherElements), flattened and ranked again
(TopK), the winners' anchors taken from the first TopK's indices (index // nc) and their classes
as index % nc (Mod, Cast). Only the one-to-one branch is exported (the fused model drops the
one-to-many one).

Tiny on purpose: 128 x 128 input, three levels (16x16 stride 8, 8x8 stride 16, 4x4 stride 32,
336 anchors), nc 5, max_det 40, a handful of channels. Seeded weights; BN folded (Conv with bias
+ SiLU), as exporters write it. TorchScript exporter, opset 20, static batch 1.

Run: /opt/yhcpy/bin/python test/data/yolo26/make_yolo26_tiny.py   (writes next to this file)
Writes yolo26_tiny.onnx, yolo26_tiny.input.images.bin (uniform [0, 1), seed 26) and
yolo26_tiny.output.output0.bin (onnxruntime CPU), raw float32 little-endian.
"""

import os

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "yolo26_tiny"
IMGSZ = 128
NC = 5
MAX_DET = 40
STRIDES = (8, 16, 32)
WEIGHT_SEED = 2026
INPUT_SEED = 26


class ConvAct(nn.Module):
    """Conv (BN folded into its bias) + SiLU."""

    def __init__(self, c1, c2, k=3, s=1, g=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, groups=g, bias=True)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.conv(x))


class Backbone(nn.Module):
    """Stem to stride 32 with a residual block; returns the stride 8, 16 and 32 maps."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(ConvAct(3, 8, 3, 2), ConvAct(8, 16, 3, 2), ConvAct(16, 16, 3, 2))
        self.res = nn.Sequential(ConvAct(16, 16, 1), ConvAct(16, 16, 3))
        self.down4 = ConvAct(16, 24, 3, 2)
        self.down5 = ConvAct(24, 32, 3, 2)

    def forward(self, x):
        p3 = self.stem(x)
        p3 = p3 + self.res(p3)
        p4 = self.down4(p3)
        p5 = self.down5(p4)
        return [p3, p4, p5]


def make_anchors(shapes, strides, offset=0.5):
    points, stride_rows = [], []
    for (h, w), s in zip(shapes, strides):
        sy, sx = torch.meshgrid(torch.arange(h, dtype=torch.float32) + offset, torch.arange(w, dtype=torch.float32) + offset, indexing="ij")
        points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_rows.append(torch.full((h * w, 1), float(s)))
    return torch.cat(points).transpose(0, 1), torch.cat(stride_rows).transpose(0, 1)


class Yolo26Head(nn.Module):
    """One-to-one head with reg_max 1 and the end-to-end top-k postprocess."""

    def __init__(self, ch, nc, max_det, shapes):
        super().__init__()
        self.nc, self.max_det = nc, max_det
        c2, c3 = max(16, ch[0] // 4, 4), max(ch[0], min(nc, 100))
        self.box = nn.ModuleList(nn.Sequential(ConvAct(x, c2, 3), ConvAct(c2, c2, 3), nn.Conv2d(c2, 4, 1)) for x in ch)
        self.cls = nn.ModuleList(
            nn.Sequential(
                nn.Sequential(ConvAct(x, x, 3, g=x), ConvAct(x, c3, 1)),
                nn.Sequential(ConvAct(c3, c3, 3, g=c3), ConvAct(c3, c3, 1)),
                nn.Conv2d(c3, nc, 1),
            )
            for x in ch
        )
        anchors, strides = make_anchors(shapes, STRIDES)
        self.register_buffer("anchors", anchors.unsqueeze(0))  # [1, 2, A]
        self.register_buffer("strides", strides)  # [1, A]

    def forward(self, feats):
        bs = feats[0].shape[0]
        boxes = torch.cat([self.box[i](x).view(bs, 4, -1) for i, x in enumerate(feats)], -1)  # reg_max 1: distances
        scores = torch.cat([self.cls[i](x).view(bs, self.nc, -1) for i, x in enumerate(feats)], -1)
        lt, rb = boxes.chunk(2, 1)
        dbox = torch.cat((self.anchors - lt, self.anchors + rb), 1) * self.strides  # xyxy, pixels
        y = torch.cat((dbox, scores.sigmoid()), 1).permute(0, 2, 1)  # [B, A, 4 + nc]
        box, cls = y.split([4, self.nc], dim=-1)
        k = self.max_det
        first = cls.max(dim=-1)[0].topk(k)[1].unsqueeze(-1)  # [B, k, 1] anchors by best score
        cand = cls.gather(dim=1, index=first.repeat(1, 1, self.nc))  # [B, k, nc]
        score, index = cand.flatten(1).topk(k)
        anchor = first[torch.arange(bs)[..., None], index // self.nc]  # [B, k, 1]
        label = (index % self.nc)[..., None].float()
        box = box.gather(dim=1, index=anchor.repeat(1, 1, 4))
        return torch.cat([box, score[..., None], label], dim=-1)


class Yolo26Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        shapes = [(IMGSZ // s, IMGSZ // s) for s in STRIDES]
        self.head = Yolo26Head((16, 24, 32), NC, MAX_DET, shapes)

    def forward(self, images):
        return self.head(self.backbone(images))


def init_weights(model, gen):
    for name, p in model.named_parameters():
        if name.endswith("bias"):
            p.data = torch.randn(p.shape, generator=gen) * 0.2
        else:
            fan_in = p[0].numel()
            p.data = torch.randn(p.shape, generator=gen) * (1.6 / fan_in) ** 0.5
    # Distances of a few cells and well-spread class logits, as a trained head gives.
    for seq in model.head.box:
        seq[-1].bias.data = 1.5 + 0.5 * torch.randn(4, generator=gen)
    for seq in model.head.cls:
        seq[-1].weight.data *= 12.0


def main():
    torch.manual_seed(WEIGHT_SEED)
    gen = torch.Generator().manual_seed(WEIGHT_SEED)
    model = Yolo26Tiny().eval()
    init_weights(model, gen)
    images = torch.rand((1, 3, IMGSZ, IMGSZ), generator=torch.Generator().manual_seed(INPUT_SEED))
    path = os.path.join(HERE, f"{NAME}.onnx")
    with torch.no_grad():
        torch.onnx.export(
            model, (images,), path, opset_version=20, input_names=["images"], output_names=["output0"], do_constant_folding=True, dynamo=False
        )
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    meta = {"task": "detect", "imgsz": str([IMGSZ, IMGSZ]), "stride": "32", "batch": "1", "end2end": "True", "names": str({i: f"class{i}" for i in range(NC)})}
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    onnx.save(m, path)
    x = images.numpy().astype(np.float32)
    out = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"images": x})[0]
    with torch.no_grad():
        ref = model(images).numpy()
    assert np.abs(out - ref).max() < 1e-3, np.abs(out - ref).max()
    x.tofile(os.path.join(HERE, f"{NAME}.input.images.bin"))
    out.astype(np.float32).tofile(os.path.join(HERE, f"{NAME}.output.output0.bin"))
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    s = np.sort(out[0, :, 4])[::-1]
    print(f"{path}: {os.path.getsize(path)} bytes, output {list(out.shape)}, ops {dict(sorted(ops.items()))}")
    print(f"scores {s[0]:.4f} .. {s[-1]:.4f}, min adjacent gap {np.min(s[:-1] - s[1:]):.2e}")


if __name__ == "__main__":
    main()
