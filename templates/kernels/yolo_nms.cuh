// yolo_nms.cuh — ai.yhc.YoloNms: class-aware non-maximum suppression for a one-to-many head's
// raw output preds [B, 4 + nc, A], one block per image:
//   1. the P::candidates best (class, anchor) scores above P::conf, sorted (topk_select.cuh:
//      radix select, ties to the lower candidate index c · A + a, NaN never);
//   2. a sweep in that order: a candidate survives unless a survivor of its class overlaps it
//      with IoU > P::iou (onnxruntime's NonMaxSuppression arithmetic); each candidate is
//      checked against the survivors by all threads at once (one barrier per candidate); the
//      sweep stops at P::max_det survivors — exactly the top max_det of per-class NMS, since a
//      candidate's fate depends only on the candidates before it;
//   3. rows x1, y1, x2, y2, score, class (survivors in sweep order, then zeros), num_dets[b].
// The survivors' rows, written as they are found, are the list the sweep checks against.
// P: batch, nc, anchors, max_det, candidates, iou, conf, xywh (centre boxes, else corners)
#pragma once
#include "topk_select.cuh"
#include "yhc_common.cuh"

namespace yhc {

// IoU(p, q) > threshold with onnxruntime's float arithmetic: corners sorted for corner boxes
// (sort_corners), used as they are for converted centre boxes; boxes without area never suppress.
__device__ __forceinline__ bool iou_above(const float* p, const float* q, float threshold, bool sort_corners) {
  const float px1 = sort_corners ? fminf(p[0], p[2]) : p[0], px2 = sort_corners ? fmaxf(p[0], p[2]) : p[2];
  const float py1 = sort_corners ? fminf(p[1], p[3]) : p[1], py2 = sort_corners ? fmaxf(p[1], p[3]) : p[3];
  const float qx1 = sort_corners ? fminf(q[0], q[2]) : q[0], qx2 = sort_corners ? fmaxf(q[0], q[2]) : q[2];
  const float qy1 = sort_corners ? fminf(q[1], q[3]) : q[1], qy2 = sort_corners ? fmaxf(q[1], q[3]) : q[3];
  const float ix_min = fmaxf(px1, qx1), ix_max = fminf(px2, qx2);
  if (ix_max <= ix_min) return false;
  const float iy_min = fmaxf(py1, qy1), iy_max = fminf(py2, qy2);
  if (iy_max <= iy_min) return false;
  const float intersection = (ix_max - ix_min) * (iy_max - iy_min);
  if (intersection <= 0.0f) return false;
  const float area_p = (px2 - px1) * (py2 - py1);
  const float area_q = (qx2 - qx1) * (qy2 - qy1);
  const float union_area = area_p + area_q - intersection;
  if (area_p <= 0.0f || area_q <= 0.0f || union_area <= 0.0f) return false;
  return intersection / union_area > threshold;
}

template <class P>
__global__ void __launch_bounds__(kSelectThreads)
yolo_nms(const float* __restrict__ preds, unsigned* __restrict__ scratch_key, int* __restrict__ scratch_index,
         unsigned* __restrict__ sorted_key, int* __restrict__ sorted_index, float* __restrict__ detections,
         int* __restrict__ num_dets) {
  __shared__ int kept;
  const int64_t b = blockIdx.x;
  const int t = int(threadIdx.x);
  const float* image = preds + b * (4 + P::nc) * int64_t(P::anchors);
  float* rows = detections + b * P::max_det * 6;
  auto candidate_key = [=](int i) {
    const float s = image[int64_t(4 + i / P::anchors) * P::anchors + i % P::anchors];
    return s > P::conf ? order_key(s) : kNanKey;  // strictly above, as NonMaxSuppression filters
  };
  const int64_t at = b * P::candidates;
  if (t == 0) kept = 0;
  block_select_topk(candidate_key, P::nc * P::anchors, P::candidates, scratch_key + at, scratch_index + at, sorted_key + at,
                    sorted_index + at);

  for (int j = 0; j < P::candidates; ++j) {
    const unsigned key = sorted_key[at + j];
    if (key == kNanKey || kept == P::max_det) break;  // the same for every thread
    const int i = sorted_index[at + j];
    const int cls = i / P::anchors;
    const int a = i % P::anchors;
    float box[4];
    if (P::xywh) {
      const float cx = image[a], cy = image[P::anchors + a];
      const float hw = image[2 * P::anchors + a] / 2, hh = image[3 * P::anchors + a] / 2;
      box[0] = cx - hw, box[1] = cy - hh, box[2] = cx + hw, box[3] = cy + hh;
    } else {
#pragma unroll
      for (int k = 0; k < 4; ++k) box[k] = image[k * P::anchors + a];
    }
    bool hit = false;
    for (int q = t; q < kept; q += kSelectThreads) hit |= rows[q * 6 + 5] == float(cls) && iou_above(rows + q * 6, box, P::iou, !P::xywh);
    if (!__syncthreads_or(hit) && t == 0) {
      float* row = rows + kept * 6;
#pragma unroll
      for (int k = 0; k < 4; ++k) row[k] = box[k];
      row[4] = key_value(key);
      row[5] = float(cls);
      ++kept;
    }
    __syncthreads();
  }
  for (int r = kept + t; r < P::max_det; r += kSelectThreads) {
#pragma unroll
    for (int k = 0; k < 6; ++k) rows[r * 6 + k] = 0.0f;
  }
  if (t == 0) num_dets[b] = kept;
}

}  // namespace yhc
