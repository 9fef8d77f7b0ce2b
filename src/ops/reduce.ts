import type { DType } from '../dtype.js';
import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, stridesOf, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { normalizeAxes } from './util/axes.js';
import { rowPlan } from './util/broadcast.js';
import { ALL_TYPES, checkNode, intsMovedToInput, NUMERIC_TYPES, requireDType, requiredTensor } from './util/checks.js';
import { perInputElement } from './util/flops.js';
import { roundInPlace } from './util/round.js';

/**
 * Reduce{Sum,Mean,Max,Min,Prod,SumSquare,L1,L2}(data, axes?). `axes` is an attribute before the
 * opset where it became an input (13 for ReduceSum, 18 for the others) and an optional constant
 * input from then on. No axes (or an empty axes tensor) reduces everything, unless
 * noop_with_empty_axes=1, which makes the op an identity. keepdims (default 1) keeps reduced
 * dims as size 1. Accumulation is in float64; the result is rounded once into the input dtype.
 * An empty reduction gives the identity element (0, 1, -inf, +inf; Mean: NaN).
 */

type Kind = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'sumsq' | 'l1' | 'l2';

interface ReducePlan {
  /** Normalized reduced axes, or null for the identity (noop_with_empty_axes). */
  readonly axes: number[] | null;
  readonly shape: number[];
}

function axesMovedAt(opType: string): number {
  return opType === 'ReduceSum' ? 13 : 18;
}

function reduceAxesSpec(node: Node, opset: number, inputs: readonly (Tensor | null)[] | null): number[] | null {
  return intsMovedToInput(node, 'axes', axesMovedAt(node.opType), opset, inputs);
}

/** A Reduce* node's keepdims (default 1): reduced axes stay as 1s. */
export function reduceKeepDims(node: Node): boolean {
  return attrInt(node, 'keepdims', 1) !== 0;
}

function reducePlan(node: Node, shape: readonly number[], spec: readonly number[] | null): ReducePlan {
  const keep = reduceKeepDims(node);
  const noop = attrInt(node, 'noop_with_empty_axes', 0) !== 0;
  if (spec === null || spec.length === 0) {
    if (noop) return { axes: null, shape: [...shape] };
    spec = shape.map((_, i) => i);
  }
  const axes = normalizeAxes(node, spec, shape.length);
  const out = keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
  return { axes, shape: out };
}

/**
 * The normalized axes a Reduce* node (with constant axes) reduces; [] when it is an identity
 * (noop_with_empty_axes with no axes).
 */
export function reducedAxes(node: Node, opset: number): number[] {
  return reducePlan(node, node.input(0).shape, reduceAxesSpec(node, opset, null)).axes ?? [];
}

const IDENTITY: Record<Kind, number> = {
  sum: 0,
  mean: 0,
  sumsq: 0,
  l1: 0,
  l2: 0,
  prod: 1,
  max: -Infinity,
  min: Infinity,
};

/**
 * Reduce `x` over `axes` into a float64 accumulator of the kept-dims shape. Rows of the input
 * are walked contiguously; when the innermost dim is reduced a row folds into one accumulator,
 * otherwise it folds elementwise into a row of accumulators.
 */
export function reduceInto(x: Tensor, axes: readonly number[], kind: Kind): { acc: Float64Array; count: number } {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = numel(keptShape);
  const acc = new Float64Array(outSize).fill(IDENTITY[kind]);
  const outStrides = stridesOf(keptShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const plan = rowPlan(x.shape, [stridesOf(x.shape), outStrides]);
  const { rows, inner } = plan;
  const [si, so] = plan.innerStrides as [number, number];
  const [oi, oo] = plan.offsets as [Int32Array, Int32Array];
  const d = x.data;
  for (let r = 0; r < rows; r++) {
    let p = oi[r]!;
    const q = oo[r]!;
    if (so === 0) {
      // The whole row folds into acc[q].
      let a = acc[q]!;
      switch (kind) {
        case 'sum':
        case 'mean':
          for (let i = 0; i < inner; i++, p += si) a += d[p]!;
          break;
        case 'sumsq':
        case 'l2':
          for (let i = 0; i < inner; i++, p += si) a += d[p]! * d[p]!;
          break;
        case 'l1':
          for (let i = 0; i < inner; i++, p += si) a += Math.abs(d[p]!);
          break;
        case 'prod':
          for (let i = 0; i < inner; i++, p += si) a *= d[p]!;
          break;
        case 'max':
          for (let i = 0; i < inner; i++, p += si) {
            const v = d[p]!;
            if (v > a || v !== v) a = v;
          }
          break;
        case 'min':
          for (let i = 0; i < inner; i++, p += si) {
            const v = d[p]!;
            if (v < a || v !== v) a = v;
          }
          break;
      }
      acc[q] = a;
    } else {
      switch (kind) {
        case 'sum':
        case 'mean':
          for (let i = 0; i < inner; i++, p += si) acc[q + i * so]! += d[p]!;
          break;
        case 'sumsq':
        case 'l2':
          for (let i = 0; i < inner; i++, p += si) acc[q + i * so]! += d[p]! * d[p]!;
          break;
        case 'l1':
          for (let i = 0; i < inner; i++, p += si) acc[q + i * so]! += Math.abs(d[p]!);
          break;
        case 'prod':
          for (let i = 0; i < inner; i++, p += si) acc[q + i * so]! *= d[p]!;
          break;
        case 'max':
          for (let i = 0; i < inner; i++, p += si) {
            const v = d[p]!;
            const k = q + i * so;
            if (v > acc[k]! || v !== v) acc[k] = v;
          }
          break;
        case 'min':
          for (let i = 0; i < inner; i++, p += si) {
            const v = d[p]!;
            const k = q + i * so;
            if (v < acc[k]! || v !== v) acc[k] = v;
          }
          break;
      }
    }
  }
  // NaN in a max/min lane must stick even if a later element compares greater: handled since
  // `v > NaN` is false and NaN is only replaced by another NaN.
  return { acc, count: outSize === 0 ? 0 : numel(x.shape) / outSize };
}

function reduceOp(opType: string, kind: Kind, types: readonly DType[]): OpDef {
  const def: OpDef = {
    opType,
    domain: '',
    attributes: ['axes', 'keepdims', 'noop_with_empty_axes'],
    inputs: [1, 2],
    outputs: [1, 1],
    flops: (node) => perInputElement(node),
    infer(node, opset) {
      checkNode(node, def);
      const dtype = requireDType(node, 0, types);
      return [{ dtype, shape: reducePlan(node, node.input(0).shape, reduceAxesSpec(node, opset, null)).shape }];
    },
    evaluate(node, inputs, opset) {
      const x = requiredTensor(node, inputs, 0);
      const plan = reducePlan(node, x.shape, reduceAxesSpec(node, opset, inputs));
      if (plan.axes === null) return [new Tensor(x.dtype, x.shape, x.data.slice())];
      const { acc, count } = reduceInto(x, plan.axes, kind);
      if (x.dtype === 'bool' && count === 0) acc.fill(kind === 'min' ? 1 : 0);
      if (kind === 'mean') for (let i = 0; i < acc.length; i++) acc[i]! /= count;
      else if (kind === 'l2') for (let i = 0; i < acc.length; i++) acc[i] = Math.sqrt(acc[i]!);
      const out = storageFor(x.dtype, acc.length);
      out.set(acc);
      roundInPlace(out, x.dtype);
      return [new Tensor(x.dtype, plan.shape, out)];
    },
  };
  return def;
}

export const ReduceSum = reduceOp('ReduceSum', 'sum', NUMERIC_TYPES);
export const ReduceMean = reduceOp('ReduceMean', 'mean', NUMERIC_TYPES);
export const ReduceMax = reduceOp('ReduceMax', 'max', ALL_TYPES);
export const ReduceMin = reduceOp('ReduceMin', 'min', ALL_TYPES);
export const ReduceProd = reduceOp('ReduceProd', 'prod', NUMERIC_TYPES);
export const ReduceSumSquare = reduceOp('ReduceSumSquare', 'sumsq', NUMERIC_TYPES);
export const ReduceL1 = reduceOp('ReduceL1', 'l1', NUMERIC_TYPES);
export const ReduceL2 = reduceOp('ReduceL2', 'l2', NUMERIC_TYPES);

export const REDUCE_OPS: readonly OpDef[] = [ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2];
