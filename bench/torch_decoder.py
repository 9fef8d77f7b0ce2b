"""The YOLOv10 NMS-free decoder in PyTorch, for the GPU benchmark (bench/gpu_bench.py): what
ultralytics' v10Detect does after the head — DFL, dist2bbox, sigmoid, then v10postprocess's
two-stage torch.topk — on the per-level inputs of a decoder-only build (bench/decoder_model.mjs):
box_l [N, 4 * reg_max, H, W] and cls_l [N, nc, H, W]. Output [N, max_det, 6] = x1, y1, x2, y2,
score, class, as yhc's decoder returns it.
"""
import torch


class TorchDecoder:
    def __init__(self, levels, nc, reg_max=16, strides=(8, 16, 32), max_det=300, offset=0.5, device="cuda", dtype=torch.float32):
        """levels: [(H, W)] per level, finest first."""
        self.nc, self.reg_max, self.max_det = nc, reg_max, max_det
        anchors, stride = [], []
        for (h, w), s in zip(levels, strides):
            ys, xs = torch.meshgrid(torch.arange(h, dtype=dtype), torch.arange(w, dtype=dtype), indexing="ij")
            anchors.append(torch.stack([xs.flatten() + offset, ys.flatten() + offset]))
            stride.append(torch.full((h * w,), float(s), dtype=dtype))
        self.anchors = torch.cat(anchors, 1).to(device).unsqueeze(0)  # [1, 2, A]
        self.stride = torch.cat(stride).to(device).view(1, 1, -1)    # [1, 1, A]
        self.bins = torch.arange(reg_max, dtype=dtype, device=device).view(1, 1, reg_max, 1)

    def __call__(self, **inputs):
        n_levels = len([k for k in inputs if k.startswith("box")])
        box = torch.cat([inputs[f"box{l}"].flatten(2) for l in range(n_levels)], 2)  # [N, 4·R, A]
        cls = torch.cat([inputs[f"cls{l}"].flatten(2) for l in range(n_levels)], 2)  # [N, nc, A]
        n, _, a = box.shape
        dist = (box.view(n, 4, self.reg_max, a).softmax(2) * self.bins).sum(2)      # [N, 4, A]
        boxes = torch.cat([self.anchors - dist[:, :2], self.anchors + dist[:, 2:]], 1) * self.stride
        boxes, scores = boxes.transpose(1, 2), cls.sigmoid().transpose(1, 2)           # [N, A, 4], [N, A, nc]
        _, index = torch.topk(scores.amax(-1), self.max_det, dim=-1)
        index = index.unsqueeze(-1)
        boxes = boxes.gather(1, index.repeat(1, 1, 4))
        scores = scores.gather(1, index.repeat(1, 1, self.nc))
        scores, index = torch.topk(scores.flatten(1), self.max_det, dim=-1)
        labels = index % self.nc
        boxes = boxes.gather(1, (index // self.nc).unsqueeze(-1).repeat(1, 1, 4))
        return torch.cat([boxes, scores.unsqueeze(-1), labels.unsqueeze(-1).to(boxes.dtype)], -1)
