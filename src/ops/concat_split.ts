import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { normalizeAxis, sizeOfRange } from './util/axes.js';
import { ALL_TYPES, checkNode, intsMovedToInput, requireDType, requiredTensor, requireSameDType } from './util/checks.js';
import { attributeError, invalidError, shapeError, shapeStr, valueLabel } from './util/errors.js';
import { noFlops } from './util/flops.js';

// ---------------------------------------------------------------------------------------------
// Concat

/** Concat's axis (required), normalized for `rank`. */
export function concatAxis(node: Node, rank: number): number {
  return normalizeAxis(node, attrInt(node, 'axis'), rank);
}

/** Split's axis (default 0), normalized for `rank`. */
export function splitAxis(node: Node, rank: number): number {
  return normalizeAxis(node, attrInt(node, 'axis', 0), rank);
}

function concatShape(node: Node, shapes: readonly (readonly number[])[]): { axis: number; shape: number[] } {
  const first = shapes[0]!;
  const rank = first.length;
  if (rank === 0) throw shapeError(node, 'cannot concatenate scalars');
  const axis = concatAxis(node, rank);
  const shape = [...first];
  shape[axis] = 0;
  shapes.forEach((s, i) => {
    if (s.length !== rank || s.some((d, k) => k !== axis && d !== first[k])) {
      throw shapeError(node, `${valueLabel(node, i)} has shape ${shapeStr(s)}, which does not match ${shapeStr(first)} outside axis ${axis}`);
    }
    shape[axis]! += s[axis]!;
  });
  return { axis, shape };
}

export const Concat: OpDef = {
  opType: 'Concat',
  domain: '',
  attributes: ['axis'],
  inputs: [1, 2147483647],
  outputs: [1, 1],
  flops: noFlops,
  dataMovement: 'rearrange',
  infer(node) {
    checkNode(node, Concat);
    for (let i = 0; i < node.inputs.length; i++) node.input(i);
    const dtype = requireDType(node, 0, ALL_TYPES);
    requireSameDType(
      node,
      node.inputs.map((_, i) => i),
    );
    return [
      {
        dtype,
        shape: concatShape(
          node,
          node.inputs.map((v) => v!.shape),
        ).shape,
      },
    ];
  },
  evaluate(node, inputs) {
    const xs = inputs.map((_, i) => requiredTensor(node, inputs, i));
    const { axis, shape } = concatShape(
      node,
      xs.map((x) => x.shape),
    );
    const dtype = xs[0]!.dtype;
    const out = storageFor(dtype, numel(shape));
    const outer = sizeOfRange(shape, 0, axis);
    const inner = sizeOfRange(shape, axis + 1);
    const outBlock = shape[axis]! * inner;
    let at = 0;
    for (const x of xs) {
      const block = x.shape[axis]! * inner;
      for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * block, (o + 1) * block), o * outBlock + at);
      at += block;
    }
    return [new Tensor(dtype, shape, out)];
  },
};

// ---------------------------------------------------------------------------------------------
// Split

/**
 * The part sizes of a Split: the `split` input (opset ≥ 13) or attribute (< 13); else, from
 * opset 18, `num_outputs` parts of ceil(dim / n) with a smaller last part; else equal parts, one
 * per output.
 */
function splitSizes(node: Node, opset: number, dim: number, given: readonly number[] | null): number[] {
  const n = node.outputs.length;
  let sizes: number[];
  if (given !== null) {
    sizes = [...given];
    if (node.attrs.has('num_outputs')) throw invalidError(node, 'give either the split input or num_outputs, not both');
  } else if (node.attrs.has('num_outputs')) {
    if (opset < 18) throw attributeError(node, 'attribute "num_outputs" needs opset 18');
    const k = attrInt(node, 'num_outputs');
    if (k < 1 || k !== n) throw shapeError(node, `num_outputs is ${k} but the node has ${n} outputs`);
    const chunk = Math.ceil(dim / k);
    sizes = Array.from({ length: k }, (_, i) => (i < k - 1 ? chunk : dim - chunk * (k - 1)));
    if (sizes[k - 1]! < 0) throw shapeError(node, `cannot split a dim of ${dim} into ${k} parts of ${chunk}`);
  } else {
    if (dim % n !== 0) throw shapeError(node, `cannot split a dim of ${dim} into ${n} equal parts`);
    sizes = new Array<number>(n).fill(dim / n);
  }
  if (sizes.length !== n) throw shapeError(node, `split ${shapeStr(sizes)} has ${sizes.length} parts but the node has ${n} outputs`);
  if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
    throw shapeError(node, `split ${shapeStr(sizes)} does not add up to the dim's size ${dim}`);
  }
  return sizes;
}

function givenSplit(node: Node, opset: number, inputs: readonly (Tensor | null)[] | null): number[] | null {
  return intsMovedToInput(node, 'split', 13, opset, inputs);
}

export const Split: OpDef = {
  opType: 'Split',
  domain: '',
  attributes: ['axis', 'split', 'num_outputs'],
  inputs: [1, 2],
  outputs: [1, 2147483647],
  flops: noFlops,
  dataMovement: 'rearrange',
  infer(node, opset) {
    checkNode(node, Split);
    const x = node.input(0);
    const dtype = requireDType(node, 0, ALL_TYPES);
    const axis = splitAxis(node, x.shape.length);
    const sizes = splitSizes(node, opset, x.shape[axis]!, givenSplit(node, opset, null));
    return sizes.map((s) => ({ dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) }));
  },
  evaluate(node, inputs, opset) {
    const x = requiredTensor(node, inputs, 0);
    const axis = splitAxis(node, x.shape.length);
    const sizes = splitSizes(node, opset, x.shape[axis]!, givenSplit(node, opset, inputs));
    const outer = sizeOfRange(x.shape, 0, axis);
    const inner = sizeOfRange(x.shape, axis + 1);
    const inBlock = x.shape[axis]! * inner;
    let at = 0;
    return sizes.map((s) => {
      const shape = x.shape.map((d, i) => (i === axis ? s : d));
      const out = storageFor(x.dtype, numel(shape));
      const block = s * inner;
      for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * inBlock + at, o * inBlock + at + block), o * block);
      at += block;
      return new Tensor(x.dtype, shape, out);
    });
  },
};

export const CONCAT_SPLIT_OPS: readonly OpDef[] = [Concat, Split];
