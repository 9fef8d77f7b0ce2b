// yolo_decode.cuh — ai.yhc.YoloDecode, the YOLOv10 NMS-free decoder, in three kernels:
//   yolo_decode_anchors     one thread per (image, anchor): DFL distances (reg_max 1: the box
//                           channels themselves), xyxy or xywh box · stride and
//                           the best sigmoid class score (the [B, A, nc] scores are not written)
//   yolo_select_anchors     one block per image: the max_det anchors with the best scores, in
//                           ONNX TopK order (topk_select.cuh: radix select, then a sort)
//   yolo_select_detections  one block per image: the max_det best of those anchors' max_det x nc
//                           class scores (recomputed from the logits as they are ranked), then
//                           rows x1, y1, x2, y2, score, class
// With output 'preds' only the first kernel runs, writing [B, 4 + nc, A] directly.
// Every grid is image-major: a run of fewer images launches fewer blocks.
#pragma once
#include "topk_select.cuh"
#include "yhc_common.cuh"

namespace yhc {

// The per-level inputs and geometry, passed by value. Anchors run level by level, row-major.
// T: the element type the head's convs stored (float or __half).
template <int LEVELS, class T> struct YoloLevels {
  const T* box[LEVELS];  // [B, 4 * reg_max, H, W]: channel k * reg_max + i = bin i of side k
  const T* cls[LEVELS];  // [B, nc, H, W] class logits
  int64_t height[LEVELS];
  int64_t width[LEVELS];
  float stride[LEVELS];
};

// Where an anchor's inputs are: its level's tensors, plane size and width, its cell, stride.
template <class T> struct AnchorSite {
  const T* box;
  const T* cls;
  int64_t plane;
  int64_t width;
  int64_t cell;
  float stride;
};

// The site of `anchor`. Unrolled, so `lv` is only indexed by constants: a runtime index into a
// by-value parameter array would copy it to a stack frame.
template <int LEVELS, class T> __device__ __forceinline__ AnchorSite<T> locate_anchor(const YoloLevels<LEVELS, T>& lv, int64_t anchor) {
  AnchorSite<T> site{lv.box[0], lv.cls[0], lv.height[0] * lv.width[0], lv.width[0], anchor, lv.stride[0]};
  bool found = false;
#pragma unroll
  for (int l = 0; l < LEVELS; ++l) {
    const int64_t cells = lv.height[l] * lv.width[l];
    if (found) continue;
    if (site.cell < cells || l == LEVELS - 1) {
      site = {lv.box[l], lv.cls[l], cells, lv.width[l], site.cell, lv.stride[l]};
      found = true;
    } else {
      site.cell -= cells;
    }
  }
  return site;
}

// P: batch, anchors, levels, nc, reg_max, grid_cell_offset, preds_layout, xywh, using Input (the
//    element type of the level tensors)
// xywh: boxes as centre and size ((x1y1 + x2y2) / 2, x2y2 - x1y1), the raw YOLOv8 / YOLO11 output.
// preds_layout: write boxes and scores to `boxes` as [B, 4 + nc, A] (best unused);
// otherwise boxes [B, A, 4] and best [B, A] (the best class score of each anchor).
template <class P>
__global__ void yolo_decode_anchors(YoloLevels<P::levels, typename P::Input> lv, float* __restrict__ boxes, float* __restrict__ best) {
  const int64_t i = image_element<P::anchors>(int(blockIdx.x));
  if (i < 0) return;
  const int64_t b = i / P::anchors;
  const int64_t anchor = i % P::anchors;
  const AnchorSite<typename P::Input> site = locate_anchor(lv, anchor);
  const typename P::Input* level_box = site.box;
  const typename P::Input* level_cls = site.cls;
  const int64_t plane = site.plane, width = site.width, cell = site.cell;
  const float s = site.stride;

  // DFL: the expectation of each side's softmax over the bins.
  const typename P::Input* box = level_box + b * 4 * P::reg_max * plane + cell;
  float distance[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const typename P::Input* bins = box + int64_t(k) * P::reg_max * plane;
    if (P::reg_max == 1) {  // no DFL: the channel is the distance
      distance[k] = to_float(bins[0]);
      continue;
    }
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
  const float x1 = ax - distance[0], y1 = ay - distance[1], x2 = ax + distance[2], y2 = ay + distance[3];
  // Rounded as the exported graph rounds: corners, then the sum, / 2 and the difference, then * stride.
  float box_out[4];
  if (P::xywh) {
    box_out[0] = (x1 + x2) / 2.0f * s;
    box_out[1] = (y1 + y2) / 2.0f * s;
    box_out[2] = (x2 - x1) * s;
    box_out[3] = (y2 - y1) * s;
  } else {
    box_out[0] = x1 * s;
    box_out[1] = y1 * s;
    box_out[2] = x2 * s;
    box_out[3] = y2 * s;
  }

  const typename P::Input* cls = level_cls + b * P::nc * plane + cell;
  if (P::preds_layout) {
    float* out = boxes + b * (4 + P::nc) * int64_t(P::anchors) + anchor;
#pragma unroll
    for (int k = 0; k < 4; ++k) out[int64_t(k) * P::anchors] = box_out[k];
    for (int c = 0; c < P::nc; ++c) out[int64_t(4 + c) * P::anchors] = sigmoid(to_float(cls[c * plane]));
    return;
  }
#pragma unroll
  for (int k = 0; k < 4; ++k) boxes[i * 4 + k] = box_out[k];
  float top = __uint_as_float(0x7fc00000u);  // NaN: no number seen yet
  for (int c = 0; c < P::nc; ++c) {
    const float v = sigmoid(to_float(cls[c * plane]));
    if (v > top || (top != top && v == v)) top = v;  // the largest number; NaN only if all are
  }
  best[i] = top;
}

// Stage 1, one block per image: ranked[b, r] = the anchor of rank r by best score (r < max_det).
// P: anchors, max_det. scratch_*: [B, select_width(max_det)] and ranked_key: [B, max_det] work arrays.
template <class P>
__global__ void __launch_bounds__(kSelectThreads)
    yolo_select_anchors(const float* __restrict__ best, unsigned* __restrict__ scratch_key, int* __restrict__ scratch_index,
                        unsigned* __restrict__ ranked_key, int* __restrict__ ranked) {
  const int64_t b = blockIdx.x;
  const float* image_best = best + b * P::anchors;
  const int64_t at = b * P::max_det;
  block_select_topk([=](int a) { return order_key(image_best[a]); }, P::anchors, P::max_det, scratch_key + b * select_width(P::max_det),
                    scratch_index + b * select_width(P::max_det), ranked_key + at, ranked + at);
}

// Stage 2, one block per image: candidate i is class i % nc of the anchor of rank i / nc; the
// max_det best candidates, in ONNX TopK order, become detection rows x1, y1, x2, y2, score,
// class (as float); a NaN score is never selected — with fewer numbers than max_det, the rest
// are rows of zeros. Candidate scores are recomputed from the class logits (the same sigmoid as
// stage 1), so the [B, A, nc] score tensor never exists.
// With P::has_conf (--conf), rows scoring under P::conf are zeros too, and num_dets[b] counts
// the rows kept (the first ones: rows are sorted).
// P: anchors, levels, nc, max_det, has_conf, conf, using Input. scratch_*: [B, select_width(max_det)]
// and picked_*: [B, max_det] work arrays.
template <class P>
__global__ void __launch_bounds__(kSelectThreads)
    yolo_select_detections(YoloLevels<P::levels, typename P::Input> lv, const float* __restrict__ boxes, const int* __restrict__ ranked,
                           unsigned* __restrict__ scratch_key, int* __restrict__ scratch_index, unsigned* __restrict__ picked_key,
                           int* __restrict__ picked, float* __restrict__ detections, int* __restrict__ num_dets) {
  __shared__ unsigned kept;
  const int64_t b = blockIdx.x;
  const int* image_ranked = ranked + b * P::max_det;
  auto candidate_key = [&](int i) {
    const AnchorSite<typename P::Input> site = locate_anchor(lv, image_ranked[i / P::nc]);
    const int c = i % P::nc;
    return order_key(sigmoid(to_float(site.cls[(b * P::nc + c) * site.plane + site.cell])));
  };
  const int64_t at = b * P::max_det;
  if (threadIdx.x == 0) kept = 0;
  block_select_topk(candidate_key, P::max_det * P::nc, P::max_det, scratch_key + b * select_width(P::max_det),
                    scratch_index + b * select_width(P::max_det), picked_key + at, picked + at);
  for (int r = int(threadIdx.x); r < P::max_det; r += kSelectThreads) {
    const int pick = picked[at + r];
    const int64_t anchor = image_ranked[pick / P::nc];
    const float* box = boxes + (b * P::anchors + anchor) * 4;
    float* row = detections + (at + r) * 6;
    const float score = key_value(picked_key[at + r]);
    // A NaN score is never selected, nor one under the threshold: a row of zeros.
    if (score != score || (P::has_conf && !(score >= P::conf))) {
#pragma unroll
      for (int k = 0; k < 6; ++k) row[k] = 0.0f;
      continue;
    }
    if (P::has_conf) atomicAdd(&kept, 1u);
#pragma unroll
    for (int k = 0; k < 4; ++k) row[k] = box[k];
    row[4] = score;
    row[5] = float(pick % P::nc);
  }
  if (P::has_conf) {
    __syncthreads();
    if (threadIdx.x == 0) num_dets[b] = int(kept);
  }
}

}  // namespace yhc
