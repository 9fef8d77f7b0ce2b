// yolo_nms.cuh — ai.yhc.YoloNms: class-aware non-maximum suppression for a one-to-many head's
// raw output preds [B, 4 + nc, A], bitmask style, in three kernels:
//   yolo_nms_select  one block per image: the P::candidates (K) best (class, anchor) scores above
//                    P::conf, sorted (topk_select.cuh: radix select, ties to the lower candidate
//                    index c · A + a, NaN never), with their corner boxes and classes;
//   yolo_nms_mask    the IoU matrix in tiles: bit j of mask[i][w] says candidate 64w + j comes
//                    after i, has its class and overlaps it with IoU > P::iou (onnxruntime's
//                    NonMaxSuppression arithmetic);
//   yolo_nms_sweep   one warp per image, in score order: a candidate survives unless an earlier
//                    survivor's row has its bit; stops at P::max_det survivors — exactly the top
//                    max_det of per-class NMS, since a candidate's fate depends only on the
//                    candidates before it; rows x1, y1, x2, y2, score, class, then zeros, and
//                    num_dets[b].
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

// 1. One block per image: the candidates, sorted; their corner boxes and classes in that order
//    (boxes [B, K, 4], classes [B, K]; class -1 past the last candidate above conf).
template <class P>
__global__ void __launch_bounds__(kSelectThreads)
    yolo_nms_select(const float* __restrict__ preds, unsigned* __restrict__ scratch_key, int* __restrict__ scratch_index,
                    unsigned* __restrict__ sorted_key, int* __restrict__ sorted_index, float* __restrict__ boxes,
                    int* __restrict__ classes) {
  const int64_t b = blockIdx.x;
  const float* image = preds + b * (4 + P::nc) * int64_t(P::anchors);
  auto candidate_key = [=](int i) {
    const float s = image[int64_t(4 + i / P::anchors) * P::anchors + i % P::anchors];
    return s > P::conf ? order_key(s) : kNanKey;  // strictly above, as NonMaxSuppression filters
  };
  const int64_t at = b * P::candidates;
  block_select_topk(candidate_key, P::nc * P::anchors, P::candidates, scratch_key + b * select_width(P::candidates),
                    scratch_index + b * select_width(P::candidates), sorted_key + at, sorted_index + at);
  for (int j = int(threadIdx.x); j < P::candidates; j += kSelectThreads) {
    const int i = sorted_index[at + j];
    const int a = i % P::anchors;
    float* box = boxes + (at + j) * 4;
    if (P::xywh) {
      const float cx = image[a], cy = image[P::anchors + a];
      const float hw = image[2 * P::anchors + a] / 2, hh = image[3 * P::anchors + a] / 2;
      box[0] = cx - hw, box[1] = cy - hh, box[2] = cx + hw, box[3] = cy + hh;
    } else {
#pragma unroll
      for (int k = 0; k < 4; ++k) box[k] = image[k * P::anchors + a];
    }
    classes[at + j] = sorted_key[at + j] == kNanKey ? -1 : i / P::anchors;
  }
}

// Words of 64 candidates in a mask row.
template <class P> struct NmsMask {
  static constexpr int words = (P::candidates + 63) / 64;
  static constexpr int row_blocks = (P::candidates + kSelectThreads - 1) / kSelectThreads;
};

// 2. The IoU matrix in tiles: block (image, row tile, word w) stages the 64 candidates of word w
//    in shared memory; thread r of the tile sets bit j of mask[row][w] when candidate 64w + j
//    comes after `row`, has its class, and overlaps it with IoU > P::iou.
//    Grid: batch * row_blocks * words blocks (image-major).
template <class P>
__global__ void __launch_bounds__(kSelectThreads)
    yolo_nms_mask(const float* __restrict__ boxes, const int* __restrict__ classes, uint64_t* __restrict__ mask) {
  using M = NmsMask<P>;
  __shared__ float column_box[64][4];
  __shared__ int column_class[64];
  const int block = int(blockIdx.x);
  const int64_t b = block / (M::row_blocks * M::words);
  const int row_tile = (block / M::words) % M::row_blocks;
  const int w = block % M::words;
  const int64_t at = b * P::candidates;
  const int t = int(threadIdx.x);
  if (t < 64) {
    const int j = 64 * w + t;
#pragma unroll
    for (int k = 0; k < 4; ++k) column_box[t][k] = j < P::candidates ? boxes[(at + j) * 4 + k] : 0.0f;
    column_class[t] = j < P::candidates ? classes[at + j] : -1;
  }
  __syncthreads();
  const int row = row_tile * kSelectThreads + t;
  if (row >= P::candidates) return;
  const int cls = classes[at + row];
  const float* box = boxes + (at + row) * 4;
  unsigned long long bits = 0;
  if (cls >= 0) {
    for (int j = 0; j < 64; ++j) {
      if (64 * w + j > row && column_class[j] == cls && iou_above(box, column_box[j], P::iou, !P::xywh)) bits |= 1ull << j;
    }
  }
  mask[(at + row) * M::words + w] = bits;
}

// 3. The sweep, one warp per image: candidate i survives unless an earlier survivor's mask row
//    has its bit; lane l keeps the removed-bits words l, l + 32, ... Stops at P::max_det
//    survivors or the first candidate not above conf; then the rows and num_dets[b].
template <class P>
__global__ void yolo_nms_sweep(const unsigned* __restrict__ sorted_key, const float* __restrict__ boxes, const int* __restrict__ classes,
                               const uint64_t* __restrict__ mask, float* __restrict__ detections, int* __restrict__ num_dets) {
  using M = NmsMask<P>;
  constexpr int per_lane = (M::words + 31) / 32;
  const int64_t b = blockIdx.x;
  const int lane = int(threadIdx.x);
  const int64_t at = b * P::candidates;
  float* rows = detections + b * P::max_det * 6;
  unsigned long long removed[per_lane] = {};
  int kept = 0;
  for (int i = 0; i < P::candidates && kept < P::max_det; ++i) {
    const int cls = classes[at + i];
    if (cls < 0) break;  // sorted: no candidate above conf follows
    const int word = i / 64;
    unsigned long long mine = 0;
#pragma unroll
    for (int q = 0; q < per_lane; ++q) mine = (q * 32 + lane == word) ? removed[q] : mine;
    const unsigned long long owner = __shfl_sync(0xffffffffu, mine, word % 32);
    if ((owner >> (i % 64)) & 1ull) continue;  // suppressed by an earlier survivor
    if (lane == 0) {
      float* row = rows + kept * 6;
#pragma unroll
      for (int k = 0; k < 4; ++k) row[k] = boxes[(at + i) * 4 + k];
      row[4] = key_value(sorted_key[at + i]);
      row[5] = float(cls);
    }
    ++kept;
#pragma unroll
    for (int q = 0; q < per_lane; ++q) {
      const int w = q * 32 + lane;
      if (w < M::words) removed[q] |= mask[(at + i) * M::words + w];
    }
  }
  for (int r = kept + lane; r < P::max_det; r += 32) {
#pragma unroll
    for (int k = 0; k < 6; ++k) rows[r * 6 + k] = 0.0f;
  }
  if (lane == 0) num_dets[b] = kept;
}

}  // namespace yhc
