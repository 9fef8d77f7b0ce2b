import { attrInts } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { stridesOf, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { normalizeAxes } from './util/axes.js';
import { ALL_TYPES, checkNode, constantInts, hasInput, INDEX_TYPES, intsOf, requireDType, requiredTensor } from './util/checks.js';
import { noFlops } from './util/flops.js';
import { shapeError, shapeStr } from './util/errors.js';
import { gatherStrided, type StridedView } from './util/strided.js';

/**
 * Slice(data, starts, ends, axes?, steps?) (opset ≥ 10; attributes starts/ends/axes before).
 * Per sliced axis: negative starts/ends count from the end; then for step > 0 both are clamped
 * to [0, dim], for step < 0 start to [0, dim-1] and end to [-1, dim-1]; so INT64_MAX / INT64_MIN
 * sentinels mean "to the end" in either direction. The result is a strided view, copied.
 */

export interface SliceSpec {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes: readonly number[] | null;
  readonly steps: readonly number[] | null;
}

export interface SlicePlan {
  readonly shape: number[];
  /** Element offset of the first selected element. */
  readonly base: number;
  /** Element strides of the view (input stride × step). */
  readonly strides: number[];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Per dim of the input: the first selected index (clamped as above), the step (1 on axes not
 * sliced) and the output length.
 */
export function sliceStartsStepsLengths(node: Node, inShape: readonly number[], spec: SliceSpec): { starts: number[]; steps: number[]; shape: number[] } {
  const rank = inShape.length;
  const n = spec.starts.length;
  if (spec.ends.length !== n) throw shapeError(node, `starts ${shapeStr(spec.starts)} and ends ${shapeStr(spec.ends)} differ in length`);
  const axesIn = spec.axes ?? Array.from({ length: n }, (_, i) => i);
  if (axesIn.length !== n) throw shapeError(node, `axes ${shapeStr(axesIn)} and starts differ in length`);
  const stepsIn = spec.steps ?? new Array<number>(n).fill(1);
  if (stepsIn.length !== n) throw shapeError(node, `steps ${shapeStr(stepsIn)} and starts differ in length`);
  const axes = normalizeAxes(node, axesIn, rank);
  const starts = new Array<number>(rank).fill(0);
  const steps = new Array<number>(rank).fill(1);
  const shape = [...inShape];
  for (let i = 0; i < n; i++) {
    const a = axes[i]!;
    const dim = inShape[a]!;
    const step = stepsIn[i]!;
    if (step === 0) throw shapeError(node, `step for axis ${a} is 0`);
    let start = spec.starts[i]!;
    let end = spec.ends[i]!;
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    let len: number;
    if (step > 0) {
      start = clamp(start, 0, dim);
      end = clamp(end, 0, dim);
      len = end > start ? Math.ceil((end - start) / step) : 0;
    } else {
      start = clamp(start, 0, dim - 1);
      end = clamp(end, -1, dim - 1);
      len = start > end ? Math.ceil((start - end) / -step) : 0;
    }
    shape[a] = len;
    starts[a] = len > 0 ? start : 0;
    steps[a] = step;
  }
  return { starts, steps, shape };
}

export function slicePlan(node: Node, inShape: readonly number[], spec: SliceSpec): SlicePlan {
  const { starts, steps, shape } = sliceStartsStepsLengths(node, inShape, spec);
  const inStrides = stridesOf(inShape);
  let base = 0;
  for (let d = 0; d < inShape.length; d++) base += starts[d]! * inStrides[d]!;
  return { shape, base, strides: inStrides.map((s, d) => s * steps[d]!) };
}

/** The strided view a Slice node with constant starts/ends/axes/steps reads (for code generation). */
export function sliceView(node: Node, opset: number): StridedView {
  return slicePlan(node, node.input(0).shape, specFrom(node, opset, null));
}

export function sliceTensor(x: Tensor, plan: SlicePlan): Tensor {
  return new Tensor(x.dtype, plan.shape, gatherStrided(x.data, plan.base, plan.strides, plan.shape, x.dtype));
}

function specFrom(node: Node, opset: number, inputs: readonly (Tensor | null)[] | null): SliceSpec {
  if (opset < 10) {
    return {
      starts: attrInts(node, 'starts'),
      ends: attrInts(node, 'ends'),
      axes: node.attrs.has('axes') ? attrInts(node, 'axes') : null,
      steps: null,
    };
  }
  for (const a of ['starts', 'ends', 'axes']) {
    if (node.attrs.has(a)) throw shapeError(node, `attribute "${a}" became an input in opset 10`);
  }
  const get = (i: number): number[] | null => {
    if (!hasInput(node, i)) return null;
    if (inputs) return intsOf(node, i, requiredTensor(node, inputs, i));
    requireDType(node, i, INDEX_TYPES);
    return constantInts(node, i);
  };
  return { starts: get(1)!, ends: get(2)!, axes: get(3), steps: get(4) };
}

export const Slice: OpDef = {
  opType: 'Slice',
  domain: '',
  attributes: ['starts', 'ends', 'axes'],
  inputs: [1, 5],
  outputs: [1, 1],
  flops: noFlops,
  dataMovement: 'rearrange',
  infer(node, opset) {
    checkNode(node, Slice);
    if (opset >= 10) {
      node.input(1);
      node.input(2);
    }
    const dtype = requireDType(node, 0, ALL_TYPES);
    return [{ dtype, shape: slicePlan(node, node.input(0).shape, specFrom(node, opset, null)).shape }];
  },
  evaluate(node, inputs, opset) {
    const x = requiredTensor(node, inputs, 0);
    return [sliceTensor(x, slicePlan(node, x.shape, specFrom(node, opset, inputs)))];
  },
};
