import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { normalizeAxis, splitAroundAxis } from './util/axes.js';
import { checkNode, constantInts, intsOf, NUMERIC_TYPES, requireDType, requiredTensor } from './util/checks.js';
import { attributeError, shapeError, shapeStr, valueLabel } from './util/errors.js';

/**
 * TopK(X, K) → (Values, Indices) along `axis`: the k largest (or smallest) elements, sorted.
 * Ties are broken by the LOWER index first, as ONNX Runtime does and as yhc's detection decoder
 * relies on. NaN orders above every number. With sorted=0 the order is unspecified by ONNX;
 * yhc returns the sorted order anyway. Before opset 10 K is the attribute `k`.
 */

function topkK(node: Node, opset: number, inputs: readonly (Tensor | null)[] | null): number {
  let ks: number[];
  if (opset < 10) {
    ks = [attrInt(node, 'k')];
  } else {
    if (node.attrs.has('k')) throw attributeError(node, 'attribute "k" became an input in opset 10');
    ks = inputs ? intsOf(node, 1, requiredTensor(node, inputs, 1)) : constantInts(node, 1);
  }
  if (ks.length !== 1) throw shapeError(node, `${valueLabel(node, 1)} must hold one value, got ${ks.length}`);
  return ks[0]!;
}

/** TopK's axis (default -1), normalized for `rank`. */
export function topkAxis(node: Node, rank: number): number {
  return normalizeAxis(node, attrInt(node, 'axis', -1), rank);
}

/** TopK's `largest` (default 1): the k largest, else the k smallest. */
export function topkLargest(node: Node): boolean {
  return attrInt(node, 'largest', 1) !== 0;
}

function topkShape(node: Node, shape: readonly number[], k: number): { axis: number; shape: number[] } {
  const axis = topkAxis(node, shape.length);
  if (k < 0 || k > shape[axis]!) {
    throw shapeError(node, `k = ${k} is out of range for axis ${axis} of shape ${shapeStr(shape)}`);
  }
  return { axis, shape: shape.map((d, i) => (i === axis ? k : d)) };
}

/** Comparator over lane positions: larger value first, NaN first, ties by lower index. */
function largestFirst(v: Float64Array) {
  return (i: number, j: number): number => {
    const a = v[i]!;
    const b = v[j]!;
    if (a > b) return -1;
    if (a < b) return 1;
    if (a === b) return i - j;
    const an = a !== a;
    const bn = b !== b;
    return an === bn ? i - j : an ? -1 : 1;
  };
}

/** Smaller value first, NaN last, ties by lower index. */
function smallestFirst(v: Float64Array) {
  return (i: number, j: number): number => {
    const a = v[i]!;
    const b = v[j]!;
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return i - j;
    const an = a !== a;
    const bn = b !== b;
    return an === bn ? i - j : an ? 1 : -1;
  };
}

export const TopK: OpDef = {
  opType: 'TopK',
  domain: '',
  attributes: ['axis', 'largest', 'sorted', 'k'],
  inputs: [1, 2],
  outputs: [2, 2],
  infer(node, opset) {
    checkNode(node, TopK);
    if (opset >= 10) requireDType(node, 1, ['int64']);
    const dtype = requireDType(node, 0, NUMERIC_TYPES);
    const { shape } = topkShape(node, node.input(0).shape, topkK(node, opset, null));
    return [
      { dtype, shape },
      { dtype: 'int64', shape: [...shape] },
    ];
  },
  evaluate(node, inputs, opset) {
    const x = requiredTensor(node, inputs, 0);
    const k = topkK(node, opset, inputs);
    const { axis, shape } = topkShape(node, x.shape, k);
    const largest = topkLargest(node);
    const { outer, len, inner } = splitAroundAxis(x.shape, axis);
    const values = storageFor(x.dtype, numel(shape));
    const indices = new Float64Array(numel(shape));
    const lane = new Float64Array(len);
    const order = new Int32Array(len);
    const cmp = largest ? largestFirst(lane) : smallestFirst(lane);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        for (let j = 0; j < len; j++) {
          lane[j] = x.data[base + j * inner]!;
          order[j] = j;
        }
        order.sort(cmp);
        const outBase = o * k * inner + i;
        for (let j = 0; j < k; j++) {
          values[outBase + j * inner] = lane[order[j]!]!;
          indices[outBase + j * inner] = order[j]!;
        }
      }
    }
    return [new Tensor(x.dtype, shape, values), new Tensor('int64', shape, indices)];
  },
  flops(node) {
    const x = node.inputs[0];
    if (!x) return 0;
    const n = numel(x.shape);
    return n * Math.max(1, Math.ceil(Math.log2(Math.max(2, x.shape[x.shape.length - 1] ?? 2))));
  },
};
