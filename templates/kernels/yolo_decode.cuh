// yolo_decode.cuh — ai.yhc.YoloDecode, the YOLOv10 NMS-free decoder, as simple kernels:
//   yolo_decode_anchors     one thread per (image, anchor): DFL distances, xyxy box · stride,
//                           sigmoid scores and the best class score
//   (topk.cuh topk_rank)    the max_det anchors with the best scores
//   yolo_gather_candidates  their scores, [max_det, nc] per image
//   (topk.cuh topk_rank)    the max_det best of those
//   yolo_write_detections   rows x1, y1, x2, y2, score, class
// With output 'preds' only the first kernel runs, writing [B, 4 + nc, A] directly.
// Every grid is image-major (image_element): a run of fewer images launches fewer blocks.
#pragma once
#include "yhc_common.cuh"

namespace yhc {

// The per-level inputs and geometry, passed by value. Anchors run level by level, row-major.
// T: the element type the head's convs stored (float or __half).
template <int LEVELS, class T>
struct YoloLevels {
  const T* box[LEVELS];  // [B, 4 * reg_max, H, W]: channel k * reg_max + i = bin i of side k
  const T* cls[LEVELS];  // [B, nc, H, W] class logits
  int64_t height[LEVELS];
  int64_t width[LEVELS];
  float stride[LEVELS];
};

// P: batch, anchors, levels, nc, reg_max, grid_cell_offset, preds_layout, using Input (the
//    element type of the level tensors)
// preds_layout: write boxes and scores to `boxes` as [B, 4 + nc, A] (scores, best unused);
// otherwise boxes [B, A, 4], scores [B, A, nc], best [B, A].
template <class P>
__global__ void yolo_decode_anchors(YoloLevels<P::levels, typename P::Input> lv, float* __restrict__ boxes, float* __restrict__ scores,
                                    float* __restrict__ best) {
  const int64_t i = image_element<P::anchors>(int(blockIdx.x));
  if (i < 0) return;
  const int64_t b = i / P::anchors;
  const int64_t anchor = i % P::anchors;
  // The anchor's level. Unrolled, so `lv` is only indexed by constants: a runtime index into a
  // by-value parameter array would copy it to a stack frame.
  int64_t cell = anchor;
  const typename P::Input* level_box = lv.box[0];
  const typename P::Input* level_cls = lv.cls[0];
  int64_t plane = lv.height[0] * lv.width[0];
  int64_t width = lv.width[0];
  float s = lv.stride[0];
  bool found = false;
#pragma unroll
  for (int l = 0; l < P::levels; ++l) {
    const int64_t cells = lv.height[l] * lv.width[l];
    if (found) continue;
    if (cell < cells || l == P::levels - 1) {
      level_box = lv.box[l];
      level_cls = lv.cls[l];
      plane = cells;
      width = lv.width[l];
      s = lv.stride[l];
      found = true;
    } else {
      cell -= cells;
    }
  }

  // DFL: the expectation of each side's softmax over the bins.
  const typename P::Input* box = level_box + b * 4 * P::reg_max * plane + cell;
  float distance[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const typename P::Input* bins = box + int64_t(k) * P::reg_max * plane;
    float m = to_float(bins[0]);
    for (int j = 1; j < P::reg_max; ++j) {
      const float v = to_float(bins[j * plane]);
      if (v > m || v != v) m = v;
    }
    float sum = 0.0f;
    for (int j = 0; j < P::reg_max; ++j) sum += expf(to_float(bins[j * plane]) - m);
    float d = 0.0f;
    for (int j = 0; j < P::reg_max; ++j) d += expf(to_float(bins[j * plane]) - m) / sum * float(j);
    distance[k] = d;
  }
  const float ax = float(cell % width) + P::grid_cell_offset;
  const float ay = float(cell / width) + P::grid_cell_offset;
  const float xyxy[4] = {(ax - distance[0]) * s, (ay - distance[1]) * s, (ax + distance[2]) * s, (ay + distance[3]) * s};

  const typename P::Input* cls = level_cls + b * P::nc * plane + cell;
  if (P::preds_layout) {
    float* out = boxes + b * (4 + P::nc) * int64_t(P::anchors) + anchor;
#pragma unroll
    for (int k = 0; k < 4; ++k) out[int64_t(k) * P::anchors] = xyxy[k];
    for (int c = 0; c < P::nc; ++c) out[int64_t(4 + c) * P::anchors] = sigmoid(to_float(cls[c * plane]));
    return;
  }
#pragma unroll
  for (int k = 0; k < 4; ++k) boxes[i * 4 + k] = xyxy[k];
  float top = -INFINITY;
  for (int c = 0; c < P::nc; ++c) {
    const float v = sigmoid(to_float(cls[c * plane]));
    scores[i * P::nc + c] = v;
    if (v > top || v != v) top = v;  // NaN sticks, as in ReduceMax
  }
  best[i] = top;
}

// candidates[b, r, c] = scores[b, ranked[b, r], c]
// P: batch, anchors, nc, max_det
template <class P>
__global__ void yolo_gather_candidates(const float* __restrict__ scores, const int64_t* __restrict__ ranked,
                                       float* __restrict__ candidates) {
  const int64_t i = image_element<int64_t(P::max_det) * P::nc>(int(blockIdx.x));
  if (i < 0) return;
  const int64_t c = i % P::nc;
  const int64_t row = i / P::nc;  // b * max_det + r
  const int64_t b = row / P::max_det;
  candidates[i] = scores[(b * P::anchors + ranked[row]) * P::nc + c];
}

// Entry `pick` of image b's candidate list is class pick % nc of the anchor of rank pick / nc.
// P: batch, anchors, nc, max_det
template <class P>
__global__ void yolo_write_detections(const float* __restrict__ boxes, const int64_t* __restrict__ ranked,
                                      const float* __restrict__ picked_scores, const int64_t* __restrict__ picked,
                                      float* __restrict__ detections) {
  const int64_t i = image_element<P::max_det>(int(blockIdx.x));
  if (i < 0) return;
  const int64_t b = i / P::max_det;
  const int64_t pick = picked[i];
  const int64_t anchor = ranked[b * P::max_det + pick / P::nc];
  const float* box = boxes + (b * P::anchors + anchor) * 4;
  float* row = detections + i * 6;
#pragma unroll
  for (int k = 0; k < 4; ++k) row[k] = box[k];
  row[4] = picked_scores[i];
  row[5] = float(pick % P::nc);
}

}  // namespace yhc
