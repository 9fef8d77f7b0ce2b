/**
 * The CPU reference letterbox: exactly what ultralytics' predict does to a frame before the
 * network sees it (LetterBox(auto=False, scaleup=True, center=True) in ultralytics/data/augment.py,
 * then BGR→RGB, HWC→CHW and /255 in float32), so boxes from an engine fed uint8 frames can be
 * checked against onnxruntime on the float model. The resize mirrors OpenCV 4.x's
 * cv2.resize(INTER_LINEAR) on uint8 bit for bit (fixed-point coefficients of 11 bits, the SIMD
 * vertical pass's rounding, and INTER_AREA for an exact 2x downscale, which OpenCV substitutes);
 * test/data/letterbox/ holds cv2's
 * own results and test/preprocess/letterbox.test.ts compares them byte for byte.
 */

/** Where a frame lands in the square network input: the resized size and the padding in front. */
export interface LetterboxGeometry {
  /** The network input side S. */
  readonly size: number;
  /** The frame's width and height. */
  readonly frameWidth: number;
  readonly frameHeight: number;
  /** The scale r = min(S/h, S/w) (ultralytics' ratio). */
  readonly scale: number;
  /** The resized frame: round(w*r) x round(h*r) (Python's round, half to even). */
  readonly width: number;
  readonly height: number;
  /** Padding left and top (the rest pads right and bottom). */
  readonly left: number;
  readonly top: number;
}

/** A uint8 HWC frame (rows of width*3 bytes) and the order of its three channels. */
export interface Frame {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly order: 'rgb' | 'bgr';
}

/** The value ultralytics pads with (all three channels). */
const PAD_VALUE = 114;

/** OpenCV's INTER_RESIZE_COEF_BITS: linear weights are 11-bit fixed point. */
const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** Python's round() to an integer: half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The letterbox geometry of a frameWidth x frameHeight frame in an S x S input (ultralytics' arithmetic, in doubles). */
export function letterboxGeometry(frameWidth: number, frameHeight: number, size: number): LetterboxGeometry {
  if (!(Number.isInteger(frameWidth) && Number.isInteger(frameHeight) && Number.isInteger(size)) || frameWidth < 1 || frameHeight < 1 || size < 1)
    throw new RangeError(`letterbox: frame ${frameWidth}x${frameHeight} into ${size}: sizes must be positive integers`);
  const scale = Math.min(size / frameHeight, size / frameWidth);
  const width = roundHalfEven(frameWidth * scale);
  const height = roundHalfEven(frameHeight * scale);
  const dw = (size - width) / 2;
  const dh = (size - height) / 2;
  if (width < 1 || height < 1) throw new RangeError(`letterbox: frame ${frameWidth}x${frameHeight} shrinks to ${width}x${height} in ${size}x${size}`);
  return { size, frameWidth, frameHeight, scale, width, height, left: roundHalfEven(dw - 0.1), top: roundHalfEven(dh - 0.1) };
}

/**
 * cv2.resize's INTER_LINEAR table along one axis: the first source index and the two 11-bit weights
 * of each output index. Columns clamp at the borders (weight 1 on the edge pixel); rows keep the
 * unclamped weights and clamp the row index when read (OpenCV does exactly this).
 */
function linearTable(src: number, dst: number, clampWeights: boolean): { ofs: Int32Array; w0: Int32Array; w1: Int32Array } {
  // hal::resize: inv_scale = dst/src, scale = 1/inv_scale (not src/dst: the last bit can differ).
  const scale = 1 / (dst / src);
  const ofs = new Int32Array(dst);
  const w0 = new Int32Array(dst);
  const w1 = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights && s < 0) ((f = 0), (s = 0));
    if (clampWeights && s >= src - 1) ((f = 0), (s = src - 1));
    ofs[d] = s;
    w0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { ofs, w0, w1 };
}

/** cv2.resize(src, (dw, dh), INTER_LINEAR) of a 3-channel uint8 HWC image, bit-exact with OpenCV 4.x on x86 (SSE2). */
function resizeLinear(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  if (sw === 2 * dw && sh === 2 * dh) return resizeAreaHalf(src, sw, dw, dh);
  const cols = linearTable(sw, dw, true);
  const rows = linearTable(sh, dh, false);
  const rowBytes = dw * 3;
  const dst = new Uint8Array(dw * dh * 3);
  const h0 = new Int32Array(rowBytes);
  const h1 = new Int32Array(rowBytes);
  const hresize = (sy: number, out: Int32Array) => {
    const base = Math.min(Math.max(sy, 0), sh - 1) * sw * 3;
    for (let x = 0; x < dw; x++) {
      const s = cols.ofs[x]!;
      const a0 = cols.w0[x]!;
      const a1 = cols.w1[x]!;
      const s1 = Math.min(s + 1, sw - 1);
      for (let c = 0; c < 3; c++) out[x * 3 + c] = src[base + s * 3 + c]! * a0 + (a1 === 0 ? 0 : src[base + s1 * 3 + c]! * a1);
    }
  };
  for (let y = 0; y < dh; y++) {
    const sy = rows.ofs[y]!;
    const b0 = rows.w0[y]!;
    const b1 = rows.w1[y]!;
    hresize(sy, h0);
    hresize(sy + 1, h1);
    const out = y * rowBytes;
    for (let x = 0; x < rowBytes; x++) dst[out + x] = verticalBlend(h0[x]!, h1[x]!, b0, b1);
  }
  return dst;
}

/**
 * One output byte of OpenCV's vertical linear pass in its SIMD form, ((S0>>4)*b0>>16) + ((S1>>4)*b1>>16),
 * then +2>>2: OpenCV 4.6 on x86 gives this on every byte of a row, tail included (the recorded cases
 * cover every row length modulo 16), not the scalar (S0*b0 + S1*b1 + 2^21) >> 22, which can differ by one.
 * S >> 4 fits int16 (at most 255*2048/16), the products' high halves are at most 1020: no saturation.
 */
function verticalBlend(s0: number, s1: number, b0: number, b1: number): number {
  const v = (Math.floor(((s0 >> 4) * b0) / 65536) + Math.floor(((s1 >> 4) * b1) / 65536) + 2) >> 2;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** OpenCV's INTER_AREA fast path for an exact 2x downscale: (a+b+c+d+2)>>2 per channel. */
function resizeAreaHalf(src: Uint8Array, sw: number, dw: number, dh: number): Uint8Array {
  const dst = new Uint8Array(dw * dh * 3);
  for (let y = 0; y < dh; y++)
    for (let x = 0; x < dw; x++)
      for (let c = 0; c < 3; c++) {
        const a = (2 * y * sw + 2 * x) * 3 + c;
        const b = a + sw * 3;
        dst[(y * dw + x) * 3 + c] = (src[a]! + src[a + 3]! + src[b]! + src[b + 3]! + 2) >> 2;
      }
  return dst;
}

/** The letterboxed uint8 HWC image (S x S x 3, the frame's channel order): cv2.resize when the size changes, then copyMakeBorder(114). */
export function letterboxBytes(frame: Frame, size: number): Uint8Array {
  checkFrame(frame);
  const g = letterboxGeometry(frame.width, frame.height, size);
  const resized = g.width === frame.width && g.height === frame.height ? frame.data : resizeLinear(frame.data, frame.width, frame.height, g.width, g.height);
  const out = new Uint8Array(size * size * 3).fill(PAD_VALUE);
  for (let y = 0; y < g.height; y++) out.set(resized.subarray(y * g.width * 3, (y + 1) * g.width * 3), ((y + g.top) * size + g.left) * 3);
  return out;
}

/** The network input of one frame: float32 [3, S, S], RGB, values /255 — what ultralytics' predict feeds the model. */
export function letterbox(frame: Frame, size: number): Float32Array {
  const bytes = letterboxBytes(frame, size);
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const from = frame.order === 'bgr' ? 2 - c : c;
    for (let i = 0; i < plane; i++) out[c * plane + i] = bytes[i * 3 + from]! / 255;
  }
  return out;
}

function checkFrame(frame: Frame): void {
  if (frame.data.length !== frame.width * frame.height * 3)
    throw new RangeError(`letterbox: frame ${frame.width}x${frame.height}x3 needs ${frame.width * frame.height * 3} bytes, got ${frame.data.length}`);
}

/**
 * Boxes from network-input pixels back to frame pixels: undo the padding and the scale, clip to
 * the frame (ultralytics' scale_boxes). `boxes` holds `count` rows of `stride` numbers whose
 * columns `at`, at+1, at+2, at+3 are x1, y1, x2, y2 (or, with `xywh`, cx, cy, w, h: the centre
 * moves and both are scaled, the clip applies to the corners and the result is written back as
 * centre and size). Returns a new array; other columns are copied unchanged.
 */
export function boxesToFrame(
  boxes: Float32Array,
  g: LetterboxGeometry,
  options: { stride?: number; at?: number; count?: number; xywh?: boolean } = {},
): Float32Array {
  const stride = options.stride ?? 4;
  const at = options.at ?? 0;
  const count = options.count ?? Math.floor(boxes.length / stride);
  const out = Float32Array.from(boxes);
  for (let i = 0; i < count; i++) {
    const o = i * stride + at;
    let x1 = boxes[o]!;
    let y1 = boxes[o + 1]!;
    let x2 = boxes[o + 2]!;
    let y2 = boxes[o + 3]!;
    if (options.xywh) [x1, y1, x2, y2] = [x1 - x2 / 2, y1 - y2 / 2, x1 + x2 / 2, y1 + y2 / 2];
    const fx1 = clip((x1 - g.left) / g.scale, g.frameWidth);
    const fy1 = clip((y1 - g.top) / g.scale, g.frameHeight);
    const fx2 = clip((x2 - g.left) / g.scale, g.frameWidth);
    const fy2 = clip((y2 - g.top) / g.scale, g.frameHeight);
    if (options.xywh) [out[o], out[o + 1], out[o + 2], out[o + 3]] = [(fx1 + fx2) / 2, (fy1 + fy2) / 2, fx2 - fx1, fy2 - fy1];
    else [out[o], out[o + 1], out[o + 2], out[o + 3]] = [fx1, fy1, fx2, fy2];
  }
  return out;
}

function clip(v: number, hi: number): number {
  return v < 0 ? 0 : v > hi ? hi : v;
}
