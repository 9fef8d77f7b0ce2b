import { attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, stridesOf, Tensor } from '../tensor.js';
import type { OpDef } from './op.js';
import { normalizeAxis, sizeOfRange } from './util/axes.js';
import { rowPlan } from './util/broadcast.js';
import { ALL_TYPES, checkNode, INDEX_TYPES, requireDType, requiredTensor } from './util/checks.js';
import { evalError, shapeError, shapeStr } from './util/errors.js';
import { noFlops } from './util/flops.js';

/**
 * Gather, GatherElements, GatherND. Indices may be negative (counted from the end of the
 * indexed dim); an index out of range is an EVAL error naming the node (ORT fails too).
 */

function checkIndex(node: Node, k: number, dim: number, what: string): number {
  if (k < -dim || k >= dim || !Number.isInteger(k)) {
    throw evalError(node, `index ${k} is out of range for ${what} of size ${dim}`);
  }
  return k < 0 ? k + dim : k;
}

// ---------------------------------------------------------------------------------------------
// Gather

/** Gather's and GatherElements' axis (default 0), normalized for `rank`. */
export function gatherAxis(node: Node, rank: number): number {
  return normalizeAxis(node, attrInt(node, 'axis', 0), rank);
}

/** GatherND's batch_dims (default 0); gatherNDPlan checks it against the ranks. */
export function gatherNdBatchDims(node: Node): number {
  return attrInt(node, 'batch_dims', 0);
}

function gatherShape(node: Node, data: readonly number[], indices: readonly number[]): { axis: number; shape: number[] } {
  if (data.length === 0) throw shapeError(node, 'cannot Gather from a scalar');
  const axis = gatherAxis(node, data.length);
  return { axis, shape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)] };
}

export const Gather: OpDef = {
  opType: 'Gather',
  domain: '',
  attributes: ['axis'],
  inputs: [2, 2],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, Gather);
    const dtype = requireDType(node, 0, ALL_TYPES);
    requireDType(node, 1, INDEX_TYPES);
    return [{ dtype, shape: gatherShape(node, node.input(0).shape, node.input(1).shape).shape }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const idx = requiredTensor(node, inputs, 1);
    const { axis, shape } = gatherShape(node, x.shape, idx.shape);
    const outer = sizeOfRange(x.shape, 0, axis);
    const dim = x.shape[axis]!;
    const inner = sizeOfRange(x.shape, axis + 1);
    const out = storageFor(x.dtype, numel(shape));
    const ni = idx.data.length;
    const ks = Array.from(idx.data, (k) => checkIndex(node, k, dim, `axis ${axis}`));
    let o = 0;
    for (let a = 0; a < outer; a++) {
      const base = a * dim * inner;
      for (let j = 0; j < ni; j++, o += inner) {
        const s = base + ks[j]! * inner;
        if (inner === 1) out[o] = x.data[s]!;
        else out.set(x.data.subarray(s, s + inner), o);
      }
    }
    return [new Tensor(x.dtype, shape, out)];
  },
};

// ---------------------------------------------------------------------------------------------
// GatherElements

function gatherElementsAxis(node: Node, data: readonly number[], indices: readonly number[]): number {
  if (indices.length !== data.length) {
    throw shapeError(node, `indices ${shapeStr(indices)} and data ${shapeStr(data)} must have the same rank`);
  }
  const axis = gatherAxis(node, data.length);
  indices.forEach((d, i) => {
    if (i !== axis && d > data[i]!) {
      throw shapeError(node, `indices ${shapeStr(indices)} exceed data ${shapeStr(data)} on axis ${i}`);
    }
  });
  return axis;
}

export const GatherElements: OpDef = {
  opType: 'GatherElements',
  domain: '',
  attributes: ['axis'],
  inputs: [2, 2],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, GatherElements);
    const dtype = requireDType(node, 0, ALL_TYPES);
    requireDType(node, 1, INDEX_TYPES);
    gatherElementsAxis(node, node.input(0).shape, node.input(1).shape);
    return [{ dtype, shape: [...node.input(1).shape] }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const idx = requiredTensor(node, inputs, 1);
    const axis = gatherElementsAxis(node, x.shape, idx.shape);
    const dim = x.shape[axis]!;
    const xs = stridesOf(x.shape);
    const axisStride = xs[axis]!;
    const dataStrides = xs.map((s, i) => (i === axis ? 0 : s));
    const out = storageFor(x.dtype, idx.data.length);
    const plan = rowPlan(idx.shape, [stridesOf(idx.shape), dataStrides]);
    const { rows, inner } = plan;
    const [si, sd] = plan.innerStrides as [number, number];
    const [oi, od] = plan.offsets as [Int32Array, Int32Array];
    const id = idx.data;
    const xd = x.data;
    for (let r = 0; r < rows; r++) {
      let pi = oi[r]!;
      let pd = od[r]!;
      const o = r * inner;
      for (let i = 0; i < inner; i++, pi += si, pd += sd) {
        let k = id[pi]!;
        if (k < 0) k += dim;
        if (!(k >= 0 && k < dim)) checkIndex(node, id[pi]!, dim, `axis ${axis}`);
        out[o + i] = xd[pd + k * axisStride]!;
      }
    }
    return [new Tensor(x.dtype, idx.shape, out)];
  },
};

// ---------------------------------------------------------------------------------------------
// GatherND

interface GatherNDPlan {
  readonly b: number;
  readonly last: number;
  readonly shape: number[];
}

function gatherNDPlan(node: Node, data: readonly number[], indices: readonly number[]): GatherNDPlan {
  const b = gatherNdBatchDims(node);
  const r = data.length;
  const q = indices.length;
  if (r < 1 || q < 1) throw shapeError(node, 'data and indices must have rank ≥ 1');
  if (b < 0 || b >= Math.min(r, q)) throw shapeError(node, `batch_dims ${b} must be less than the ranks of data (${r}) and indices (${q})`);
  for (let i = 0; i < b; i++) {
    if (data[i] !== indices[i]) {
      throw shapeError(node, `batch dim ${i} differs: data ${shapeStr(data)}, indices ${shapeStr(indices)}`);
    }
  }
  const last = indices[q - 1]!;
  if (last < 1 || last > r - b) {
    throw shapeError(node, `indices' last dim ${last} must be in 1..${r - b} (data rank ${r} minus batch_dims ${b})`);
  }
  return { b, last, shape: [...indices.slice(0, q - 1), ...data.slice(b + last)] };
}

export const GatherND: OpDef = {
  opType: 'GatherND',
  domain: '',
  attributes: ['batch_dims'],
  inputs: [2, 2],
  outputs: [1, 1],
  flops: noFlops,
  infer(node) {
    checkNode(node, GatherND);
    const dtype = requireDType(node, 0, ALL_TYPES);
    requireDType(node, 1, ['int64']);
    return [{ dtype, shape: gatherNDPlan(node, node.input(0).shape, node.input(1).shape).shape }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, 0);
    const idx = requiredTensor(node, inputs, 1);
    const { b, last, shape } = gatherNDPlan(node, x.shape, idx.shape);
    const xs = stridesOf(x.shape);
    const batches = sizeOfRange(x.shape, 0, b);
    const batchSize = b > 0 ? xs[b - 1]! : numel(x.shape);
    const tuples = sizeOfRange(idx.shape, b, idx.shape.length - 1);
    const block = sizeOfRange(x.shape, b + last);
    const out = storageFor(x.dtype, numel(shape));
    let o = 0;
    let p = 0;
    for (let bi = 0; bi < batches; bi++) {
      for (let t = 0; t < tuples; t++, o += block) {
        let off = bi * batchSize;
        for (let k = 0; k < last; k++, p++) {
          const dim = x.shape[b + k]!;
          off += checkIndex(node, idx.data[p]!, dim, `data axis ${b + k}`) * xs[b + k]!;
        }
        if (block === 1) out[o] = x.data[off]!;
        else out.set(x.data.subarray(off, off + block), o);
      }
    }
    return [new Tensor(x.dtype, shape, out)];
  },
};

export const GATHER_OPS: readonly OpDef[] = [Gather, GatherElements, GatherND];
