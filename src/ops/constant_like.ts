import { attrInt, attrTensor } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { ALL_TYPES, checkNode, constantInts, intsOf, requireDType, requiredTensor } from './util/checks.js';
import { shapeError, shapeStr } from './util/errors.js';
import { noFlops } from './util/flops.js';

/**
 * Ops whose result depends only on shapes or attributes: Shape (with opset-15 start/end),
 * Size, ConstantOfShape, and Identity. Their outputs are constant whenever the input shape is
 * static, which is what lets the importer fold torch's shape arithmetic.
 */

function shapeRange(node: Node, rank: number): [number, number] {
  const clampAxis = (v: number) => {
    const a = v < 0 ? v + rank : v;
    return a < 0 ? 0 : a > rank ? rank : a;
  };
  const start = clampAxis(attrInt(node, 'start', 0));
  const end = node.attrs.has('end') ? clampAxis(attrInt(node, 'end')) : rank;
  return [start, Math.max(start, end)];
}

export const Shape: OpDef = {
  opType: 'Shape',
  domain: '',
  attributes: ['start', 'end'],
  inputs: [1, 1],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, Shape);
    requireDType(node, 0, ALL_TYPES);
    const [s, e] = shapeRange(node, node.input(0).shape.length);
    return [{ dtype: 'int64', shape: [e - s] }];
  },
  valueFromTypes(node) {
    const shape = node.input(0).shape;
    const [s, e] = shapeRange(node, shape.length);
    return [Tensor.from('int64', [e - s], shape.slice(s, e))];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const [s, e] = shapeRange(node, x.shape.length);
    return [Tensor.from('int64', [e - s], x.shape.slice(s, e))];
  },
};

export const Size: OpDef = {
  opType: 'Size',
  domain: '',
  attributes: [],
  inputs: [1, 1],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, Size);
    requireDType(node, 0, ALL_TYPES);
    return [{ dtype: 'int64', shape: [] }];
  },
  valueFromTypes(node) {
    return [Tensor.scalar('int64', numel(node.input(0).shape))];
  },
  evaluate(node, inputs) {
    return [Tensor.scalar('int64', requiredTensor(node, inputs, 0).size)];
  },
};

function fillValue(node: Node): Tensor {
  if (!node.attrs.has('value')) return Tensor.scalar('float32', 0);
  const v = attrTensor(node, 'value');
  if (v.size !== 1) throw shapeError(node, `attribute "value" must hold one element, got shape ${shapeStr(v.shape)}`);
  return v;
}

function checkDims(node: Node, dims: readonly number[]): number[] {
  if (dims.some((d) => d < 0 || !Number.isInteger(d))) throw shapeError(node, `shape ${shapeStr(dims)} has a negative dim`);
  return [...dims];
}

export const ConstantOfShape: OpDef = {
  opType: 'ConstantOfShape',
  domain: '',
  attributes: ['value'],
  inputs: [1, 1],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, ConstantOfShape);
    requireDType(node, 0, ['int64']);
    return [{ dtype: fillValue(node).dtype, shape: checkDims(node, constantInts(node, 0)) }];
  },
  evaluate(node, inputs) {
    const shape = checkDims(node, intsOf(node, 0, requiredTensor(node, inputs, 0)));
    const v = fillValue(node);
    const data = storageFor(v.dtype, numel(shape)).fill(v.data[0]!);
    return [new Tensor(v.dtype, shape, data)];
  },
};

export const Identity: OpDef = {
  opType: 'Identity',
  domain: '',
  attributes: [],
  inputs: [1, 1],
  outputs: [1, 1],
  flops: noFlops,
  dataMovement: 'view',
  infer(node) {
    checkNode(node, Identity);
    const dtype = requireDType(node, 0, ALL_TYPES);
    return [{ dtype, shape: [...node.input(0).shape] }];
  },
  evaluate(node, inputs) {
    return [requiredTensor(node, inputs, 0)];
  },
};
