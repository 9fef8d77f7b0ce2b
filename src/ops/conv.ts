import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor, type TensorData } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { int } from './util/axes.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor, requireSameDType } from './util/checks.js';
import { shapeError, shapeStr } from './util/errors.js';
import { roundInPlace } from './util/round.js';
import { kernelShapeAttr, validRange, windowGeometry, type WindowGeometry } from './util/window.js';

/**
 * Conv(X [N, C, D1…Dk], W [M, C/group, k1…kk], B? [M]) for any number of spatial dims: dense,
 * grouped and depthwise (group = C), strides, dilations, explicit pads or auto_pad. Accumulates
 * in float64 per output plane and rounds once into the output dtype.
 *
 * The 1-D and 2-D path (1-D runs as 2-D with height 1) loops, for each output channel, input
 * channel and kernel tap, over contiguous output rows whose valid range was precomputed per tap,
 * so there is no bounds check or index arithmetic per multiply-add. Two special cases carry the
 * detection heads: a 3x3 kernel does all nine taps at once on the interior (where no tap reads
 * padding; a sliding window when stride and dilation are 1), the per-tap loops then only cover
 * the border; a pointwise (1x1) conv folds four input channels per pass. Other ranks use a
 * generic (slower) path. A 64→64 3x3 conv on 80×80 (236 M multiply-adds) takes ~0.13 s.
 */

export interface ConvShape {
  readonly n: number;
  readonly c: number;
  readonly m: number;
  readonly group: number;
  readonly geometry: WindowGeometry;
  readonly outShape: number[];
}

/** A Conv's (ONNX or ai.yhc) attribute `group` (default 1); convShape checks it against the shapes. */
export function convGroups(node: Node): number {
  return attrInt(node, 'group', 1);
}

export function convShape(node: Node, x: readonly number[], w: readonly number[], b: readonly number[] | null): ConvShape {
  if (x.length < 3) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, spatial…] with at least one spatial dim`);
  if (w.length !== x.length) throw shapeError(node, `weight W has shape ${shapeStr(w)}, which does not match the rank of X ${shapeStr(x)}`);
  const group = convGroups(node);
  const [n, c] = x as [number, number];
  const m = w[0]!;
  if (group < 1 || c % group !== 0 || m % group !== 0) {
    throw shapeError(node, `group ${group} must divide the input channels (${c}) and the output channels (${m})`);
  }
  if (w[1]! * group !== c) {
    throw shapeError(node, `weight W ${shapeStr(w)} has ${w[1]} input channels per group; X has ${c} channels in ${group} group(s)`);
  }
  if (b && (b.length !== 1 || b[0] !== m)) throw shapeError(node, `bias B has shape ${shapeStr(b)}; expected [${m}]`);
  const kernel = kernelShapeAttr(node, w.slice(2));
  const geometry = windowGeometry(node, x.slice(2), kernel);
  return { n, c, m, group, geometry, outShape: [n, m, ...geometry.outSize] };
}

/** 2-D convolution core (see the file comment). `out` is the output's storage. */
function conv2d(
  x: TensorData,
  w: TensorData,
  bias: TensorData | null,
  out: TensorData,
  s: ConvShape,
  H: number,
  W: number,
  OH: number,
  OW: number,
  g2: { kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pt: number; pl: number },
  rangesH: Int32Array,
  rangesW: Int32Array,
): void {
  const N = int(s.n);
  const C = int(s.c);
  const M = int(s.m);
  const G = int(s.group);
  const { kh: KH, kw: KW, sh, sw, dh, dw, pt, pl } = g2;
  const cg = int(C / G);
  const mg = int(M / G);
  const plane = OH * OW;
  const acc = new Float64Array(plane);
  const pointwise = KH === 1 && KW === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && OH === H && OW === W;
  // Interior: output positions where every tap is inside the input.
  let ohA = 0;
  let ohB = OH;
  let owA = 0;
  let owB = OW;
  for (let k = 0; k < KH; k++) {
    ohA = Math.max(ohA, rangesH[2 * k]!);
    ohB = Math.min(ohB, rangesH[2 * k + 1]!);
  }
  for (let k = 0; k < KW; k++) {
    owA = Math.max(owA, rangesW[2 * k]!);
    owB = Math.min(owB, rangesW[2 * k + 1]!);
  }
  const fused3x3 = KH === 3 && KW === 3 && ohA < ohB && owA < owB;
  if (!fused3x3) {
    ohA = ohB = 0;
    owA = owB = 0;
  }
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / mg);
      acc.fill(bias ? bias[m]! : 0);
      if (pointwise) {
        pointwiseChannels(x, w, acc, (n * C + g * cg) * plane, m * cg, cg, plane);
        out.set(acc, (n * M + m) * plane);
        continue;
      }
      for (let c = 0; c < cg; c++) {
        const xPlane = (n * C + g * cg + c) * H * W;
        const wBase = (m * cg + c) * KH * KW;
        if (fused3x3) interior3x3(acc, OW, x, xPlane, W, w, wBase, ohA, ohB, owA, owB, sh, sw, dh, dw, pt, pl);
        // Per-tap loops over valid output rows; with the fused interior done, only the border.
        for (let kh = 0; kh < KH; kh++) {
          const ohLo = rangesH[2 * kh]!;
          const ohHi = rangesH[2 * kh + 1]!;
          for (let kw = 0; kw < KW; kw++) {
            const wv = w[wBase + kh * KW + kw]!;
            const owLo = rangesW[2 * kw]!;
            const owHi = rangesW[2 * kw + 1]!;
            const colOff = kw * dw - pl;
            for (let oh = ohLo; oh < ohHi; oh++) {
              const xRow = xPlane + (oh * sh - pt + kh * dh) * W + colOff;
              const aRow = oh * OW;
              if (oh >= ohA && oh < ohB) {
                // Interior row: only the left and right borders remain.
                tapRow(acc, aRow, x, xRow, wv, owLo, Math.min(owHi, owA), sw);
                tapRow(acc, aRow, x, xRow, wv, Math.max(owLo, owB), owHi, sw);
              } else {
                tapRow(acc, aRow, x, xRow, wv, owLo, owHi, sw);
              }
            }
          }
        }
      }
      out.set(acc, (n * M + m) * plane);
    }
  }
}

/**
 * All nine taps of a 3x3 kernel at the interior output positions (where no tap reads padding):
 * nine multiply-adds per accumulator update. A function of its own so the JIT optimizes this
 * loop nest by itself, whatever other convolutions trained conv2d's feedback.
 */
function interior3x3(
  acc: Float64Array,
  OW: number,
  x: TensorData,
  xPlane: number,
  W: number,
  w: TensorData,
  wBase: number,
  ohA: number,
  ohB: number,
  owA: number,
  owB: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  pt: number,
  pl: number,
): void {
  const w00 = w[wBase]!,
    w01 = w[wBase + 1]!,
    w02 = w[wBase + 2]!;
  const w10 = w[wBase + 3]!,
    w11 = w[wBase + 4]!,
    w12 = w[wBase + 5]!;
  const w20 = w[wBase + 6]!,
    w21 = w[wBase + 7]!,
    w22 = w[wBase + 8]!;
  const d1 = dw;
  const d2 = 2 * dw;
  if (sw === 1 && dw === 1) {
    // Sliding window along the row: each input element is loaded once per kernel row.
    for (let oh = ohA; oh < ohB; oh++) {
      const r0 = xPlane + (oh * sh - pt) * W - pl;
      const r1 = r0 + dh * W;
      const r2 = r1 + dh * W;
      const aRow = oh * OW;
      let p0 = x[r0 + owA]!,
        q0 = x[r0 + owA + 1]!;
      let p1 = x[r1 + owA]!,
        q1 = x[r1 + owA + 1]!;
      let p2 = x[r2 + owA]!,
        q2 = x[r2 + owA + 1]!;
      for (let ow = owA; ow < owB; ow++) {
        const s0 = x[r0 + ow + 2]!;
        const s1 = x[r1 + ow + 2]!;
        const s2 = x[r2 + ow + 2]!;
        acc[aRow + ow]! += w00 * p0 + w01 * q0 + w02 * s0 + w10 * p1 + w11 * q1 + w12 * s1 + w20 * p2 + w21 * q2 + w22 * s2;
        p0 = q0;
        q0 = s0;
        p1 = q1;
        q1 = s1;
        p2 = q2;
        q2 = s2;
      }
    }
    return;
  }
  for (let oh = ohA; oh < ohB; oh++) {
    const r0 = xPlane + (oh * sh - pt) * W - pl;
    const r1 = r0 + dh * W;
    const r2 = r1 + dh * W;
    const aRow = oh * OW;
    for (let ow = owA; ow < owB; ow++) {
      const p = ow * sw;
      acc[aRow + ow]! +=
        w00 * x[r0 + p]! +
        w01 * x[r0 + p + d1]! +
        w02 * x[r0 + p + d2]! +
        w10 * x[r1 + p]! +
        w11 * x[r1 + p + d1]! +
        w12 * x[r1 + p + d2]! +
        w20 * x[r2 + p]! +
        w21 * x[r2 + p + d1]! +
        w22 * x[r2 + p + d2]!;
    }
  }
}

/** acc[aRow + ow] += wv · x[xRow + ow·sw] for ow in [lo, hi). */
function tapRow(acc: Float64Array, aRow: number, x: TensorData, xRow: number, wv: number, lo: number, hi: number, sw: number): void {
  if (sw === 1) {
    for (let ow = lo; ow < hi; ow++) acc[aRow + ow]! += wv * x[xRow + ow]!;
  } else {
    for (let ow = lo; ow < hi; ow++) acc[aRow + ow]! += wv * x[xRow + ow * sw]!;
  }
}

/** 1x1 convolution of one output channel: acc += Σ_c w[wBase + c] · x[xBase + c·plane + i], 4 channels a pass. */
function pointwiseChannels(x: TensorData, w: TensorData, acc: Float64Array, xBase: number, wBase: number, cg: number, plane: number): void {
  let c = 0;
  for (; c + 4 <= cg; c += 4) {
    const w0 = w[wBase + c]!,
      w1 = w[wBase + c + 1]!,
      w2 = w[wBase + c + 2]!,
      w3 = w[wBase + c + 3]!;
    const p0 = xBase + c * plane;
    const p1 = p0 + plane;
    const p2 = p1 + plane;
    const p3 = p2 + plane;
    for (let i = 0; i < plane; i++) acc[i]! += w0 * x[p0 + i]! + w1 * x[p1 + i]! + w2 * x[p2 + i]! + w3 * x[p3 + i]!;
  }
  for (; c < cg; c++) {
    const wv = w[wBase + c]!;
    const p = xBase + c * plane;
    for (let i = 0; i < plane; i++) acc[i]! += wv * x[p + i]!;
  }
}

/** Generic N-d convolution (3-D and up): per output element, per tap, with bounds checks. */
function convNd(x: TensorData, w: TensorData, bias: TensorData | null, out: TensorData, s: ConvShape): void {
  const { n: N, c: C, m: M, group: G, geometry: geo } = s;
  const nd = geo.inSize.length;
  const cg = C / G;
  const mg = M / G;
  const inPlane = numel(geo.inSize);
  const outPlane = numel(geo.outSize);
  const taps = numel(geo.kernel);
  const inStr = new Array<number>(nd);
  for (let i = nd - 1, a = 1; i >= 0; i--) {
    inStr[i] = a;
    a *= geo.inSize[i]!;
  }
  // Per tap: its offset per dim (k·dilation − padBegin).
  const tapOff: number[][] = [];
  for (let t = 0; t < taps; t++) {
    const offs = new Array<number>(nd);
    for (let i = nd - 1, r = t; i >= 0; i--) {
      const k = r % geo.kernel[i]!;
      r = Math.floor(r / geo.kernel[i]!);
      offs[i] = k * geo.dilations[i]! - geo.padsBegin[i]!;
    }
    tapOff.push(offs);
  }
  const pos = new Array<number>(nd);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / mg);
      for (let o = 0; o < outPlane; o++) {
        for (let i = nd - 1, r = o; i >= 0; i--) {
          pos[i] = (r % geo.outSize[i]!) * geo.strides[i]!;
          r = Math.floor(r / geo.outSize[i]!);
        }
        let a = bias ? bias[m]! : 0;
        for (let c = 0; c < cg; c++) {
          const xPlane = (n * C + g * cg + c) * inPlane;
          const wBase = (m * cg + c) * taps;
          for (let t = 0; t < taps; t++) {
            const offs = tapOff[t]!;
            let idx = 0;
            let inside = true;
            for (let i = 0; i < nd; i++) {
              const p = pos[i]! + offs[i]!;
              if (p < 0 || p >= geo.inSize[i]!) {
                inside = false;
                break;
              }
              idx += p * inStr[i]!;
            }
            if (inside) a += w[wBase + t]! * x[xPlane + idx]!;
          }
        }
        out[(n * M + m) * outPlane + o] = a;
      }
    }
  }
}

/** Run a convolution with an already validated shape; the result is rounded into x's dtype. */
export function convolve(x: Tensor, w: Tensor, b: Tensor | null, s: ConvShape): Tensor {
  const out = storageFor(x.dtype, numel(s.outShape));
  const geo = s.geometry;
  if (out.length > 0 && geo.inSize.length <= 2) {
    const two = geo.inSize.length === 2;
    const H = int(two ? geo.inSize[0]! : 1);
    const W = int(two ? geo.inSize[1]! : geo.inSize[0]!);
    const OH = int(two ? geo.outSize[0]! : 1);
    const OW = int(two ? geo.outSize[1]! : geo.outSize[0]!);
    const h = two ? 0 : -1;
    const wi = two ? 1 : 0;
    const kh = int(two ? geo.kernel[0]! : 1);
    const kw = int(geo.kernel[wi]!);
    const rangesH = new Int32Array(2 * kh);
    const rangesW = new Int32Array(2 * kw);
    for (let k = 0; k < kh; k++) {
      const [lo, hi] = h >= 0 ? validRange(geo, h, k) : [0, 1];
      rangesH[2 * k] = lo;
      rangesH[2 * k + 1] = hi;
    }
    for (let k = 0; k < kw; k++) {
      const [lo, hi] = validRange(geo, wi, k);
      rangesW[2 * k] = lo;
      rangesW[2 * k + 1] = hi;
    }
    conv2d(
      x.data,
      w.data,
      b ? b.data : null,
      out,
      s,
      H,
      W,
      OH,
      OW,
      {
        kh,
        kw,
        sh: int(two ? geo.strides[0]! : 1),
        sw: int(geo.strides[wi]!),
        dh: int(two ? geo.dilations[0]! : 1),
        dw: int(geo.dilations[wi]!),
        pt: int(two ? geo.padsBegin[0]! : 0),
        pl: int(geo.padsBegin[wi]!),
      },
      rangesH,
      rangesW,
    );
  } else if (out.length > 0) {
    convNd(x.data, w.data, b ? b.data : null, out, s);
  }
  roundInPlace(out, x.dtype);
  return new Tensor(x.dtype, s.outShape, out);
}

export const Conv: OpDef = {
  opType: 'Conv',
  domain: '',
  attributes: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'],
  inputs: [2, 3],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, Conv);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const b = hasInput(node, 2) ? node.input(2).shape : null;
    const s = convShape(node, node.input(0).shape, node.input(1).shape, b);
    return [{ dtype, shape: s.outShape }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const w = requiredTensor(node, inputs, 1);
    const b = inputs[2] ?? null;
    return [convolve(x, w, b, convShape(node, x.shape, w.shape, b ? b.shape : null))];
  },
  /** 2 per multiply-add: N·M·(output plane)·(C/group)·(kernel taps). */
  flops(node) {
    const out = node.outputs[0];
    const w = node.inputs[1];
    if (!out || !w) return 0;
    return 2 * numel(out.shape) * numel(w.shape.slice(1));
  },
};
