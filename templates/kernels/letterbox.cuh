// letterbox.cuh — uint8 camera frames in, boxes in frame pixels out (--input-format rgb8|bgr8).
//
// frames [N, frame_h, frame_w, 3] uint8 (image n in the top-left frame_size[n] = {w, h} corner,
// rows of frame_w * 3 bytes), letterboxed into the network's S x S input exactly as the reference
// (src/preprocess/letterbox.ts: ultralytics' LetterBox + cv2.resize INTER_LINEAR on uint8, bit
// for bit; pad 114; RGB; / 255):
//   LetterboxInput<P>   a conv's input load (conv_inputs.cuh's interface) that computes each
//                       letterboxed pixel from the frame: no [N, 3, S, S] tensor is written
//   letterbox<P>        the same as a kernel writing that tensor (when the reader is not a dense conv)
//   boxes_to_frame<P>   boxes from network pixels back to frame pixels, clipped to the frame
// The arithmetic repeats the reference's rounding step by step (double and float with explicit
// _rn intrinsics: no contraction into FMA changes a bit). A frame_size outside 1..frame_w x
// 1..frame_h is refused by yhc_engine_run_host before any launch; a device-pointer run clamps it
// (no out-of-bounds read, the boxes then follow the clamped size).
#pragma once
#include "conv_inputs.cuh"
#include "yhc_common.cuh"

namespace yhc {

// Where a w x h frame lands in S x S (ultralytics: r = min(S/h, S/w), new size round(w r) x
// round(h r) half to even, padding round(d - 0.1) in front), and cv2's source step per pixel.
struct LetterboxGeometry {
  int w, h, nw, nh, left, top;
  double r, step_x, step_y;
};

__device__ __forceinline__ LetterboxGeometry letterbox_geometry(int w, int h, int size, int max_w, int max_h) {
  LetterboxGeometry g;
  g.w = w < 1 ? 1 : (w > max_w ? max_w : w);
  g.h = h < 1 ? 1 : (h > max_h ? max_h : h);
  const double rh = double(size) / double(g.h), rw = double(size) / double(g.w);
  g.r = rh < rw ? rh : rw;
  g.nw = __double2int_rn(__dmul_rn(double(g.w), g.r));
  g.nh = __double2int_rn(__dmul_rn(double(g.h), g.r));
  g.nw = g.nw < 1 ? 1 : g.nw;
  g.nh = g.nh < 1 ? 1 : g.nh;
  g.left = __double2int_rn(__dadd_rn(double(size - g.nw) / 2.0, -0.1));
  g.top = __double2int_rn(__dadd_rn(double(size - g.nh) / 2.0, -0.1));
  // hal::resize: scale = 1 / (dst / src), not src / dst (the last bit can differ).
  g.step_x = 1.0 / (double(g.nw) / double(g.w));
  g.step_y = 1.0 / (double(g.nh) / double(g.h));
  return g;
}

// cv2's INTER_LINEAR source index and 11-bit weights of resized coordinate d (clamp: columns).
struct LinearTap {
  int s, a0, a1;
};
__device__ __forceinline__ LinearTap linear_tap(int d, double step, bool clamp, int src) {
  float f = __double2float_rn(__dadd_rn(__dmul_rn(double(d) + 0.5, step), -0.5));
  int s = int(floorf(f));
  f = __fsub_rn(f, float(s));
  if (clamp && s < 0) f = 0.0f, s = 0;
  if (clamp && s >= src - 1) f = 0.0f, s = src - 1;
  return {s, __float2int_rn(__fmul_rn(__fsub_rn(1.0f, f), 2048.0f)), __float2int_rn(__fmul_rn(f, 2048.0f))};
}

// Letterboxed byte (channel sc of the frame) at (y, x) of the S x S image.
__device__ __forceinline__ int letterbox_byte(const uint8_t* __restrict__ frame, int row_bytes, const LetterboxGeometry& g, int sc, int y,
                                              int x) {
  const int xr = x - g.left, yr = y - g.top;
  if (xr < 0 || xr >= g.nw || yr < 0 || yr >= g.nh) return 114;
  const auto at = [&](int fy, int fx) { return int(frame[int64_t(fy) * row_bytes + fx * 3 + sc]); };
  if (g.nw == g.w && g.nh == g.h) return at(yr, xr);
  // OpenCV resizes an exact 2x downscale with INTER_AREA: the rounded mean of 2 x 2.
  if (g.w == 2 * g.nw && g.h == 2 * g.nh)
    return (at(2 * yr, 2 * xr) + at(2 * yr, 2 * xr + 1) + at(2 * yr + 1, 2 * xr) + at(2 * yr + 1, 2 * xr + 1) + 2) >> 2;
  const LinearTap cx = linear_tap(xr, g.step_x, true, g.w);
  const LinearTap cy = linear_tap(yr, g.step_y, false, g.h);
  const int r0 = cy.s < 0 ? 0 : (cy.s > g.h - 1 ? g.h - 1 : cy.s);
  const int r1 = cy.s + 1 < 0 ? 0 : (cy.s + 1 > g.h - 1 ? g.h - 1 : cy.s + 1);
  const auto row = [&](int fy) { return at(fy, cx.s) * cx.a0 + (cx.s + 1 < g.w ? at(fy, cx.s + 1) * cx.a1 : 0); };
  // The vertical pass as OpenCV's SIMD code rounds it: (S >> 4) * b >> 16, summed, + 2 >> 2.
  const int v = ((((row(r0) >> 4) * cy.a0) >> 16) + (((row(r1) >> 4) * cy.a1) >> 16) + 2) >> 2;
  return v < 0 ? 0 : (v > 255 ? 255 : v);
}

// The float network input at (n, c, y, x): RGB, / 255 (a correctly rounded float division, as torch's).
template <class P> struct LetterboxReader {
  const uint8_t* __restrict__ frames;
  const int32_t* __restrict__ frame_size;
  __device__ __forceinline__ LetterboxGeometry geometry(int n) const {
    return letterbox_geometry(frame_size[2 * n], frame_size[2 * n + 1], P::in_h, P::frame_w, P::frame_h);
  }
  __device__ __forceinline__ float value(const LetterboxGeometry& g, int n, int c, int y, int x) const {
    const uint8_t* frame = frames + int64_t(n) * P::frame_h * P::frame_w * 3;
    return __fdiv_rn(float(letterbox_byte(frame, P::frame_w * 3, g, P::bgr ? 2 - c : c, y, x)), 255.0f);
  }
};

// A dense conv's input read through the letterbox (conv2d_tiled_letterbox). The block's image
// geometry is computed once (every load of a tiled conv block is of one image). P adds:
// frame_h, frame_w, bgr.
template <class P> struct LetterboxInput {
  static constexpr int kRunLength = run_length<typename P::Input>();
  LetterboxReader<P> reader;
  LetterboxGeometry g;
  int image;
  __device__ __forceinline__ float operator()(int n, int c, int iy, int ix) const {
    return reader.value(n == image ? g : reader.geometry(n), n, c, iy, ix);
  }
  __device__ __forceinline__ void run(int n, int c, int pixel, float (&out)[kRunLength]) const {
#pragma unroll
    for (int j = 0; j < kRunLength; ++j) out[j] = (*this)(n, c, (pixel + j) / P::in_w, (pixel + j) % P::in_w);
  }
};

// The letterboxed tensor y [N, 3, S, S], one thread per element. P: in_h, in_w (S), frame_h,
// frame_w, bgr, per_image (3 S S), using Output.
template <class P>
__global__ void letterbox(const uint8_t* __restrict__ frames, const int32_t* __restrict__ frame_size, typename P::Output* __restrict__ y) {
  const int64_t i = image_element<P::per_image>(int(blockIdx.x));
  if (i < 0) return;
  const int n = int(i / P::per_image);
  const int local = int(i % P::per_image);
  const LetterboxReader<P> reader{frames, frame_size};
  const int c = local / (P::in_h * P::in_w), y0 = (local / P::in_w) % P::in_h, x0 = local % P::in_w;
  y[i] = from_float<typename P::Output>(reader.value(reader.geometry(n), n, c, y0, x0));
}

// Boxes back to frame pixels: (v - pad) / r, clipped to [0, w] or [0, h], in double, rounded once.
// P: size, frame_h, frame_w, rows, cols (a [rows, cols] matrix per image), xyxy (columns 0..3 of
// each row are x1 y1 x2 y2; else rows 0..3 of each column are cx cy w h), boxes (per image: rows
// or cols), using T. One thread per box copies its row or column whole.
template <class P>
__global__ void boxes_to_frame(const typename P::T* __restrict__ x, const int32_t* __restrict__ frame_size, typename P::T* __restrict__ y) {
  const int64_t i = image_element<P::boxes>(int(blockIdx.x));
  if (i < 0) return;
  const int n = int(i / P::boxes), b = int(i % P::boxes);
  const LetterboxGeometry g = letterbox_geometry(frame_size[2 * n], frame_size[2 * n + 1], P::size, P::frame_w, P::frame_h);
  const int64_t base = int64_t(n) * P::rows * P::cols;
  // Element k of this box: column k of row b, or row k of column b.
  const auto index = [&](int k) { return base + (P::xyxy ? int64_t(b) * P::cols + k : int64_t(k) * P::cols + b); };
  constexpr int length = P::xyxy ? P::cols : P::rows;
  for (int k = 4; k < length; ++k) y[index(k)] = x[index(k)];
  double v[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) v[k] = double(to_float(x[index(k)]));
  if (!P::xyxy) {  // centre and size to corners
    const double cx = v[0], cy = v[1], hw = v[2] / 2.0, hh = v[3] / 2.0;
    v[0] = cx - hw, v[1] = cy - hh, v[2] = cx + hw, v[3] = cy + hh;
  }
  const auto map = [&](double p, int pad, int limit) {
    const double m = (p - double(pad)) / g.r;
    return m < 0.0 ? 0.0 : (m > double(limit) ? double(limit) : m);
  };
  const double x1 = map(v[0], g.left, g.w), y1 = map(v[1], g.top, g.h), x2 = map(v[2], g.left, g.w), y2 = map(v[3], g.top, g.h);
  const double out[4] = {P::xyxy ? x1 : (x1 + x2) / 2.0, P::xyxy ? y1 : (y1 + y2) / 2.0, P::xyxy ? x2 : x2 - x1, P::xyxy ? y2 : y2 - y1};
#pragma unroll
  for (int k = 0; k < 4; ++k) y[index(k)] = from_float<typename P::T>(__double2float_rn(out[k]));
}

}  // namespace yhc
