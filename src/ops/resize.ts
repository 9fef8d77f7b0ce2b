import { attrInts, attrString } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, stridesOf, Tensor } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { normalizeAxes } from './util/axes.js';
import { ALL_TYPES, checkNode, floatsOf, intsOf, requireDType, requiredTensor } from './util/checks.js';
import { attributeError, shapeError, shapeStr } from './util/errors.js';
import { noFlops } from './util/flops.js';

/**
 * Resize(X, roi?, scales?, sizes?) with mode "nearest" only (linear/cubic and
 * tf_crop_and_resize are UNSUPPORTED_ATTRIBUTE). Exactly one of scales / sizes is given (an
 * empty tensor counts as absent); opset 18 adds `axes` and keep_aspect_ratio_policy
 * (stretch, not_larger, not_smaller). Output size from scales is floor(in·scale). Each output
 * coordinate maps back through coordinate_transformation_mode (half_pixel default,
 * half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric) and is rounded by
 * nearest_mode (round_prefer_floor default, round_prefer_ceil, floor, ceil), then clamped into
 * the input. Opset 10 (X, scales) behaves as asymmetric + floor, like ORT.
 */

const COORD_MODES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

interface ResizePlan {
  readonly outShape: number[];
  /** Scale per dim (1 on dims not resized). */
  readonly scales: number[];
  readonly coord: string;
  readonly nearest: string;
}

interface ResizeParams {
  readonly scales: number[] | null;
  readonly sizes: number[] | null;
}

/** scales/sizes from tensors (evaluate) or constant inputs (infer); empty tensors are absent. */
function resizeParams(node: Node, opset: number, inputs: readonly (Tensor | null)[] | null): ResizeParams {
  const get = (i: number): Tensor | null => {
    if (i >= node.inputs.length || !node.inputs[i]) return null;
    const t = inputs ? (inputs[i] ?? null) : node.constantInput(i);
    return t && t.size > 0 ? t : null;
  };
  if (opset < 11) {
    const s = get(1);
    return { scales: s ? floatsOf(node, 1, s) : null, sizes: null };
  }
  const s = get(2);
  const z = get(3);
  return { scales: s ? floatsOf(node, 2, s) : null, sizes: z ? intsOf(node, 3, z) : null };
}

function resizePlan(node: Node, opset: number, inShape: readonly number[], p: ResizeParams): ResizePlan {
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest') throw attributeError(node, `mode ${JSON.stringify(mode)} is not supported (only "nearest")`);
  const coord = opset < 11 ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  if (!COORD_MODES.includes(coord)) {
    throw attributeError(node, `coordinate_transformation_mode ${JSON.stringify(coord)} is not supported`);
  }
  const nearest = opset < 11 ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
  if (!NEAREST_MODES.includes(nearest)) throw attributeError(node, `nearest_mode ${JSON.stringify(nearest)} is not supported`);
  const rank = inShape.length;
  const axes = node.attrs.has('axes') ? normalizeAxes(node, attrInts(node, 'axes'), rank) : inShape.map((_, i) => i);
  const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
  if (!['stretch', 'not_larger', 'not_smaller'].includes(policy)) {
    throw attributeError(node, `keep_aspect_ratio_policy ${JSON.stringify(policy)} is not supported`);
  }
  if ((p.scales === null) === (p.sizes === null)) throw shapeError(node, 'exactly one of scales and sizes must be given');
  const outShape = [...inShape];
  const scales = new Array<number>(rank).fill(1);
  if (p.scales) {
    if (p.scales.length !== axes.length) throw shapeError(node, `scales ${shapeStr(p.scales)} has ${p.scales.length} values for ${axes.length} axes`);
    axes.forEach((a, i) => {
      const s = p.scales![i]!;
      if (!(s > 0)) throw shapeError(node, `scale ${s} for axis ${a} must be positive`);
      scales[a] = s;
      outShape[a] = Math.floor(inShape[a]! * s);
    });
  } else {
    const sizes = p.sizes!;
    if (sizes.length !== axes.length) throw shapeError(node, `sizes ${shapeStr(sizes)} has ${sizes.length} values for ${axes.length} axes`);
    if (sizes.some((s) => s < 0)) throw shapeError(node, `sizes ${shapeStr(sizes)} has a negative entry`);
    if (policy === 'stretch') {
      axes.forEach((a, i) => {
        outShape[a] = sizes[i]!;
        scales[a] = sizes[i]! / inShape[a]!;
      });
    } else {
      const ratios = axes.map((a, i) => sizes[i]! / inShape[a]!);
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      for (const a of axes) {
        scales[a] = s;
        outShape[a] = Math.floor(s * inShape[a]! + 0.5);
      }
    }
  }
  return { outShape, scales, coord, nearest };
}

/** Output index → input coordinate on one axis. */
function sourceCoord(mode: string, x: number, scale: number, lenIn: number, lenOut: number): number {
  switch (mode) {
    case 'asymmetric':
      return x / scale;
    case 'align_corners':
      return lenOut === 1 ? 0 : (x * (lenIn - 1)) / (lenOut - 1);
    case 'pytorch_half_pixel':
      return lenOut > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'half_pixel_symmetric': {
      const adjustment = lenOut / (scale * lenIn);
      const offset = (lenIn / 2) * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    default:
      return (x + 0.5) / scale - 0.5;
  }
}

function roundNearest(mode: string, v: number): number {
  const f = Math.floor(v);
  switch (mode) {
    case 'floor':
      return f;
    case 'ceil':
      return Math.ceil(v);
    case 'round_prefer_ceil':
      return v - f >= 0.5 ? f + 1 : f;
    default:
      return v - f > 0.5 ? f + 1 : f;
  }
}

/** For each output index on one axis, the input index it copies. */
export function nearestIndexMap(plan: ResizePlan, axis: number, lenIn: number): Int32Array {
  const lenOut = plan.outShape[axis]!;
  const map = new Int32Array(lenOut);
  for (let x = 0; x < lenOut; x++) {
    const c = sourceCoord(plan.coord, x, plan.scales[axis]!, lenIn, lenOut);
    const i = roundNearest(plan.nearest, c);
    map[x] = i < 0 ? 0 : i >= lenIn ? lenIn - 1 : i;
  }
  return map;
}

export const Resize: OpDef = {
  opType: 'Resize',
  domain: '',
  attributes: [
    'mode',
    'coordinate_transformation_mode',
    'nearest_mode',
    'cubic_coeff_a',
    'exclude_outside',
    'extrapolation_value',
    'antialias',
    'axes',
    'keep_aspect_ratio_policy',
  ],
  inputs: [1, 4],
  outputs: [1, 1],
  flops: noFlops,
  infer(node, opset): OutputType[] {
    checkNode(node, Resize);
    const dtype = requireDType(node, 0, ALL_TYPES);
    const x = node.input(0).shape;
    if (x.length === 0) throw shapeError(node, 'cannot resize a scalar');
    return [{ dtype, shape: resizePlan(node, opset, x, resizeParams(node, opset, null)).outShape }];
  },
  evaluate(node, inputs, opset) {
    const x = requiredTensor(node, inputs, 0);
    const plan = resizePlan(node, opset, x.shape, resizeParams(node, opset, inputs));
    const rank = x.shape.length;
    const maps = x.shape.map((d, a) => nearestIndexMap(plan, a, d));
    const inStr = stridesOf(x.shape);
    const shape = plan.outShape;
    const out = storageFor(x.dtype, numel(shape));
    if (out.length === 0) return [new Tensor(x.dtype, shape, out)];
    const inner = shape[rank - 1]!;
    const last = maps[rank - 1]!;
    const rows = out.length / inner;
    const idx = new Array<number>(rank).fill(0);
    for (let r = 0; r < rows; r++) {
      let base = 0;
      for (let d = 0; d < rank - 1; d++) base += maps[d]![idx[d]!]! * inStr[d]!;
      const o = r * inner;
      for (let j = 0; j < inner; j++) out[o + j] = x.data[base + last[j]!]!;
      for (let d = rank - 2; d >= 0; d--) {
        if (++idx[d]! < shape[d]!) break;
        idx[d] = 0;
      }
    }
    return [new Tensor(x.dtype, shape, out)];
  },
};

/**
 * For each axis of X (shape `inShape`), the input index each output index copies, with the node's
 * scales or sizes constant: what the Resize kernel (codegen/kernels/resize.ts) gathers by.
 */
export function resizeIndexMaps(node: Node, opset: number, inShape: readonly number[]): Int32Array[] {
  const plan = resizePlan(node, opset, inShape, resizeParams(node, opset, null));
  return inShape.map((d, a) => nearestIndexMap(plan, a, d));
}
