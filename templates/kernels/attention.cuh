// attention.cuh — the attention of YOLOv10 PSA / YOLO11 C2PSA (ai.yhc.Attention) in one kernel,
// read straight out of the qkv conv's NCHW output x [N, heads * group, H, W]: head h's channels
// are q (key_dim), k (key_dim), v (head_dim) from h * group, and the tokens are the H * W positions
// (contiguous in memory). No Reshape, Split or Transpose copy and no attention matrix in memory.
//
// One block per (image, head, block of q_block query tokens). Keys and values are visited in tiles
// of key_tile tokens staged in shared memory (flash-attention style, online softmax): for each tile
//   A  scores  s[q][j] = scale * sum_c q[c][q] * k[c][j]          (one thread per (q, j))
//   B  softmax one warp per query row: new running max m', p = exp(s - m'), the rescale
//              factor exp(m - m') and the running sum l = l * exp(m - m') + sum p
//   C  values  o[q][d] = o[q][d] * exp(m - m') + sum_j p[q][j] * v[d][j]   (registers)
// then out = o / l (+ the positional depthwise conv on v: bias + k x k taps, zero padding, read
// from global memory) stored at channel h * head_dim + d. Shared memory (fp32): q [key_dim][q_block],
// k [key_dim][key_tile], v [head_dim][key_tile], p [q_block][key_tile + 1] (padded: phase C reads
// it down a column), three row statistics: the generator picks key_tile so it fits in 48 KB.
// CUDA cores, fp32 arithmetic; x and y stored as float or __half.
//
// P: tokens, width, height, heads, group (channels per head in x), key_dim, head_dim, scale,
//    pe (side of the positional conv's kernel; 0: none), has_pe_bias, q_block, key_tile,
//    q_blocks (ceil(tokens / q_block)), block_threads,
//    using Input, Weight, Output: element types of x, of the positional weights and bias, of y,
//    x_image_stride, y_image_stride (elements from one image to the next: a channel range of a
//    concat's buffer has the buffer's, codegen/views.ts)
#pragma once
#include "yhc_common.cuh"

namespace yhc {

template <class P>
__global__ void __launch_bounds__(P::block_threads)
    attention(const typename P::Input* __restrict__ x, const typename P::Weight* __restrict__ pe_w,
              const typename P::Weight* __restrict__ pe_b, typename P::Output* __restrict__ y) {
  constexpr int kThreads = P::block_threads;
  constexpr int kWarps = kThreads / 32;
  constexpr int kQ = P::q_block;
  constexpr int kKT = P::key_tile;
  constexpr int kOut = (kQ * P::head_dim + kThreads - 1) / kThreads;  // outputs per thread
  constexpr int kScores = (kQ * kKT + kThreads - 1) / kThreads;       // scores per thread per tile
  __shared__ float qs[P::key_dim][kQ];
  __shared__ float ks[P::key_dim][kKT];
  __shared__ float vs[P::head_dim][kKT];
  __shared__ float ps[kQ][kKT + 1];
  // row_next_max: phase B's new running max, copied into row_max in phase C, so that phase B
  // only reads row_max (no write-after-read within a warp between its lanes).
  __shared__ float row_max[kQ], row_next_max[kQ], row_sum[kQ], row_rescale[kQ];

  const int tid = int(threadIdx.x);
  const int block = int(blockIdx.x);
  const int image = block / (P::heads * P::q_blocks);
  const int head = (block / P::q_blocks) % P::heads;
  const int q0 = (block % P::q_blocks) * kQ;
  const typename P::Input* xq = x + int64_t(image) * P::x_image_stride + int64_t(head) * P::group * P::tokens;
  const typename P::Input* xk = xq + int64_t(P::key_dim) * P::tokens;
  const typename P::Input* xv = xk + int64_t(P::key_dim) * P::tokens;

  for (int e = tid; e < P::key_dim * kQ; e += kThreads) {
    const int qi = e % kQ, c = e / kQ;
    qs[c][qi] = q0 + qi < P::tokens ? to_float(xq[int64_t(c) * P::tokens + q0 + qi]) : 0.0f;
  }
  if (tid < kQ) {
    row_max[tid] = -INFINITY;
    row_sum[tid] = 0.0f;
  }
  float acc[kOut];
#pragma unroll
  for (int r = 0; r < kOut; ++r) acc[r] = 0.0f;

  for (int k0 = 0; k0 < P::tokens; k0 += kKT) {
    __syncthreads();  // the previous tile's phase C is done with vs and ps
    for (int e = tid; e < P::key_dim * kKT; e += kThreads) {
      const int j = e % kKT, c = e / kKT;
      ks[c][j] = k0 + j < P::tokens ? to_float(xk[int64_t(c) * P::tokens + k0 + j]) : 0.0f;
    }
    for (int e = tid; e < P::head_dim * kKT; e += kThreads) {
      const int j = e % kKT, d = e / kKT;
      vs[d][j] = k0 + j < P::tokens ? to_float(xv[int64_t(d) * P::tokens + k0 + j]) : 0.0f;
    }
    __syncthreads();
    // A: scores of this tile.
#pragma unroll
    for (int r = 0; r < kScores; ++r) {
      const int e = tid + r * kThreads;
      if (e < kQ * kKT) {
        const int j = e % kKT, qi = e / kKT;
        float dot = 0.0f;
#pragma unroll 8
        for (int c = 0; c < P::key_dim; ++c) dot += qs[c][qi] * ks[c][j];
        ps[qi][j] = k0 + j < P::tokens ? dot * P::scale : -INFINITY;
      }
    }
    __syncthreads();
    // B: online softmax, one warp per query row.
    const int lane = tid % 32;
    for (int qi = tid / 32; qi < kQ; qi += kWarps) {
      float m = -INFINITY;
      for (int j = lane; j < kKT; j += 32) m = fmaxf(m, ps[qi][j]);
      for (int off = 16; off > 0; off /= 2) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
      const float old_max = row_max[qi];
      const float new_max = fmaxf(old_max, m);  // finite: every tile holds at least one key
      float sum = 0.0f;
      for (int j = lane; j < kKT; j += 32) {
        const float p = expf(ps[qi][j] - new_max);
        ps[qi][j] = p;
        sum += p;
      }
      for (int off = 16; off > 0; off /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, off);
      __syncwarp();
      if (lane == 0) {
        const float rescale = expf(old_max - new_max);  // 0 on the first tile
        row_rescale[qi] = rescale;
        row_sum[qi] = row_sum[qi] * rescale + sum;
        row_next_max[qi] = new_max;
      }
    }
    __syncthreads();
    // C: rescale and accumulate p · v (and take the new running max for the next tile).
    if (tid < kQ) row_max[tid] = row_next_max[tid];
#pragma unroll
    for (int r = 0; r < kOut; ++r) {
      const int e = tid + r * kThreads;
      if (e < kQ * P::head_dim) {
        const int qi = e % kQ, d = e / kQ;
        float o = acc[r] * row_rescale[qi];
#pragma unroll 8
        for (int j = 0; j < kKT; ++j) o += ps[qi][j] * vs[d][j];
        acc[r] = o;
      }
    }
  }

  // Normalize, add the positional conv, store.
  constexpr int kRadius = (P::pe - 1) / 2;
#pragma unroll
  for (int r = 0; r < kOut; ++r) {
    const int e = tid + r * kThreads;
    const int qi = e % kQ, d = e / kQ;
    const int t = q0 + qi;
    if (e >= kQ * P::head_dim || t >= P::tokens) continue;
    float out = acc[r] / row_sum[qi];
    const int channel = head * P::head_dim + d;
    if constexpr (P::pe > 0) {
      if constexpr (P::has_pe_bias) out += to_float(pe_b[channel]);
      const typename P::Input* vd = xv + int64_t(d) * P::tokens;
      const typename P::Weight* taps = pe_w + int64_t(channel) * P::pe * P::pe;
      const int ty = t / P::width, tx = t % P::width;
      for (int dy = 0; dy < P::pe; ++dy) {
        const int yy = ty + dy - kRadius;
        if (yy < 0 || yy >= P::height) continue;
        for (int dx = 0; dx < P::pe; ++dx) {
          const int xx = tx + dx - kRadius;
          if (xx >= 0 && xx < P::width) out += to_float(taps[dy * P::pe + dx]) * to_float(vd[yy * P::width + xx]);
        }
      }
    }
    y[int64_t(image) * P::y_image_stride + int64_t(channel) * P::tokens + t] = from_float<typename P::Output>(out);
  }
}

}  // namespace yhc
