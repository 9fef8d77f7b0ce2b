import { attrInt, attrInts } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, Tensor } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { normalizeAxes, sizeOfRange } from './util/axes.js';
import { broadcastShapes } from './util/broadcast.js';
import { ALL_TYPES, checkNode, constantInts, intsMovedToInput, intsOf, requireDType, requiredTensor } from './util/checks.js';
import { shapeError, shapeStr, valueLabel } from './util/errors.js';
import { broadcastView, copyView, tileView, transposeView } from './util/strided.js';
import { noFlops } from './util/flops.js';

/**
 * Ops that only move or repeat elements: Reshape, Flatten, Squeeze, Unsqueeze (views: the output
 * shares the input's data), Transpose, Expand, Tile (strided copies). Each op's output shape is
 * computed by one function that both `infer` (from constant inputs) and `evaluate` (from the
 * tensors it is given) call.
 */

// ---------------------------------------------------------------------------------------------
// Reshape

/**
 * The Reshape target shape: 0 copies the input dim at that position (unless allowzero, where 0
 * is a real zero-length dim), -1 is inferred from the element count (at most one).
 */
export function reshapeTarget(node: Node, inShape: readonly number[], spec: readonly number[], allowzero: boolean): number[] {
  const total = numel(inShape);
  const out: number[] = [];
  let inferAt = -1;
  spec.forEach((d, i) => {
    if (d === -1) {
      if (inferAt >= 0) throw shapeError(node, `shape ${shapeStr(spec)} has more than one -1`);
      inferAt = i;
      out.push(1);
    } else if (d === 0 && !allowzero) {
      if (i >= inShape.length) {
        throw shapeError(node, `shape ${shapeStr(spec)} copies dim ${i} (0) but the input has rank ${inShape.length}`);
      }
      out.push(inShape[i]!);
    } else if (d < -1 || !Number.isInteger(d)) {
      throw shapeError(node, `shape ${shapeStr(spec)} has invalid dim ${d}`);
    } else {
      out.push(d);
    }
  });
  if (allowzero && inferAt >= 0 && spec.includes(0)) {
    throw shapeError(node, `shape ${shapeStr(spec)} has both 0 and -1, which allowzero=1 forbids`);
  }
  if (inferAt >= 0) {
    const known = numel(out);
    if (known === 0 || total % known !== 0) {
      throw shapeError(node, `cannot reshape ${shapeStr(inShape)} (${total} elements) to ${shapeStr(spec)}`);
    }
    out[inferAt] = total / known;
  }
  if (numel(out) !== total) {
    throw shapeError(node, `cannot reshape ${shapeStr(inShape)} (${total} elements) to ${shapeStr(out)}`);
  }
  return out;
}

export const Reshape: OpDef = {
  opType: 'Reshape',
  domain: '',
  attributes: ['allowzero'],
  inputs: [2, 2],
  outputs: [1, 1],
  flops: noFlops,
  dataMovement: 'view',
  infer(node) {
    checkNode(node, Reshape);
    const dtype = requireDType(node, 0, ALL_TYPES);
    requireDType(node, 1, ['int64']);
    const spec = constantInts(node, 1);
    return [{ dtype, shape: reshapeTarget(node, node.input(0).shape, spec, attrInt(node, 'allowzero', 0) !== 0) }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const spec = intsOf(node, 1, requiredTensor(node, inputs, 1));
    return [x.reshape(reshapeTarget(node, x.shape, spec, attrInt(node, 'allowzero', 0) !== 0))];
  },
};

// ---------------------------------------------------------------------------------------------
// Flatten

function flattenShape(node: Node, shape: readonly number[]): number[] {
  const r = shape.length;
  const a = attrInt(node, 'axis', 1);
  if (a < -r || a > r) throw shapeError(node, `axis ${a} is out of range for rank ${r} (valid: ${-r}..${r})`);
  const axis = a < 0 ? a + r : a;
  return [sizeOfRange(shape, 0, axis), sizeOfRange(shape, axis)];
}

export const Flatten: OpDef = {
  opType: 'Flatten',
  domain: '',
  attributes: ['axis'],
  inputs: [1, 1],
  outputs: [1, 1],
  flops: noFlops,
  dataMovement: 'view',
  infer(node) {
    checkNode(node, Flatten);
    const dtype = requireDType(node, 0, ALL_TYPES);
    return [{ dtype, shape: flattenShape(node, node.input(0).shape) }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    return [x.reshape(flattenShape(node, x.shape))];
  },
};

// ---------------------------------------------------------------------------------------------
// Squeeze / Unsqueeze: axes as an attribute before opset 13, as an input from 13.

function axesSpec(node: Node, opset: number, inputs: readonly (Tensor | null)[] | null): number[] | null {
  return intsMovedToInput(node, 'axes', 13, opset, inputs);
}

function squeezeShape(node: Node, shape: readonly number[], axesIn: readonly number[] | null): number[] {
  // No axes (or an empty axes tensor): squeeze every unit dim.
  if (axesIn === null || axesIn.length === 0) return shape.filter((d) => d !== 1);
  const axes = normalizeAxes(node, axesIn, shape.length);
  for (const a of axes) {
    if (shape[a] !== 1) throw shapeError(node, `cannot squeeze axis ${a} of shape ${shapeStr(shape)}: its size is not 1`);
  }
  return shape.filter((_, i) => !axes.includes(i));
}

function unsqueezeShape(node: Node, shape: readonly number[], axesIn: readonly number[] | null): number[] {
  if (axesIn === null) throw shapeError(node, 'Unsqueeze needs axes');
  const rank = shape.length + axesIn.length;
  const axes = normalizeAxes(node, axesIn, rank);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : shape[j++]!);
  return out;
}

function axesOp(opType: 'Squeeze' | 'Unsqueeze', shapeFn: typeof squeezeShape): OpDef {
  const def: OpDef = {
    opType,
    domain: '',
    attributes: ['axes'],
    inputs: [1, 2],
    outputs: [1, 1],
    flops: noFlops,
    dataMovement: 'view',
    infer(node, opset): OutputType[] {
      checkNode(node, def);
      const dtype = requireDType(node, 0, ALL_TYPES);
      return [{ dtype, shape: shapeFn(node, node.input(0).shape, axesSpec(node, opset, null)) }];
    },
    evaluate(node, inputs, opset) {
      const x = requiredTensor(node, inputs, 0);
      return [x.reshape(shapeFn(node, x.shape, axesSpec(node, opset, inputs)))];
    },
  };
  return def;
}

export const Squeeze = axesOp('Squeeze', squeezeShape);
export const Unsqueeze = axesOp('Unsqueeze', unsqueezeShape);

// ---------------------------------------------------------------------------------------------
// Transpose

/** The permutation of a Transpose node (default: reverse the dims). */
export function transposePerm(node: Node, rank: number): number[] {
  if (!node.attrs.has('perm')) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const perm = attrInts(node, 'perm');
  if (perm.length !== rank) throw shapeError(node, `perm ${shapeStr(perm)} has ${perm.length} entries for rank ${rank}`);
  const p = normalizeAxes(node, perm, rank, 'perm');
  return p;
}

export function transposeTensor(x: Tensor, perm: readonly number[]): Tensor {
  const view = transposeView(x.shape, perm);
  return new Tensor(x.dtype, view.shape, copyView(x.data, view, x.dtype));
}

export const Transpose: OpDef = {
  opType: 'Transpose',
  domain: '',
  attributes: ['perm'],
  inputs: [1, 1],
  outputs: [1, 1],
  flops: noFlops,
  dataMovement: 'rearrange',
  infer(node) {
    checkNode(node, Transpose);
    const x = node.input(0);
    const dtype = requireDType(node, 0, ALL_TYPES);
    const perm = transposePerm(node, x.shape.length);
    return [{ dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    return [transposeTensor(x, transposePerm(node, x.shape.length))];
  },
};

// ---------------------------------------------------------------------------------------------
// Expand

function expandShape(node: Node, inShape: readonly number[], spec: readonly number[]): number[] {
  if (spec.some((d) => d < 0 || !Number.isInteger(d))) throw shapeError(node, `shape ${shapeStr(spec)} has a negative dim`);
  return broadcastShapes(node, [inShape, spec], ['input', `shape ${shapeStr(spec)}`]);
}

/** x broadcast to `shape` (which must be a broadcast of x's shape). */
export function expandTensor(x: Tensor, shape: readonly number[]): Tensor {
  return new Tensor(x.dtype, shape, copyView(x.data, broadcastView(x.shape, shape), x.dtype));
}

export const Expand: OpDef = {
  opType: 'Expand',
  domain: '',
  attributes: [],
  inputs: [2, 2],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, Expand);
    const dtype = requireDType(node, 0, ALL_TYPES);
    requireDType(node, 1, ['int64']);
    return [{ dtype, shape: expandShape(node, node.input(0).shape, constantInts(node, 1)) }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const shape = expandShape(node, x.shape, intsOf(node, 1, requiredTensor(node, inputs, 1)));
    return [expandTensor(x, shape)];
  },
};

// ---------------------------------------------------------------------------------------------
// Tile

function tileRepeats(node: Node, shape: readonly number[], repeats: readonly number[]): number[] {
  if (repeats.length !== shape.length) {
    throw shapeError(node, `${valueLabel(node, 1)} has ${repeats.length} entries; the input has rank ${shape.length}`);
  }
  if (repeats.some((r) => r < 0 || !Number.isInteger(r))) {
    throw shapeError(node, `repeats ${shapeStr(repeats)} has a negative entry`);
  }
  return [...repeats];
}

/** Tile as a strided view (see tileView), copied, the (repeat, index) pairs merged. */
export function tileTensor(x: Tensor, repeats: readonly number[]): Tensor {
  const data = copyView(x.data, tileView(x.shape, repeats), x.dtype);
  return new Tensor(
    x.dtype,
    x.shape.map((d, i) => d * repeats[i]!),
    data,
  );
}

export const Tile: OpDef = {
  opType: 'Tile',
  domain: '',
  attributes: [],
  inputs: [2, 2],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, Tile);
    const dtype = requireDType(node, 0, ALL_TYPES);
    requireDType(node, 1, ['int64']);
    const x = node.input(0);
    const reps = tileRepeats(node, x.shape, constantInts(node, 1));
    return [{ dtype, shape: x.shape.map((d, i) => d * reps[i]!) }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    return [tileTensor(x, tileRepeats(node, x.shape, intsOf(node, 1, requiredTensor(node, inputs, 1))))];
  },
};

export const SHAPE_OPS: readonly OpDef[] = [Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile];
