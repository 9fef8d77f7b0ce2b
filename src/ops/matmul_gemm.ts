import { attrFloat, attrInt } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import { numel, storageFor, Tensor, type TensorData } from '../tensor.js';
import type { OpDef, OutputType } from './op.js';
import { broadcastShapes, broadcastStrides, checkUnidirectional, rowPlan } from './util/broadcast.js';
import { checkNode, FLOAT_TYPES, hasInput, INT_TYPES, requireDType, requiredTensor, requireSameDType } from './util/checks.js';
import { shapeError, shapeStr } from './util/errors.js';
import { roundInPlace } from './util/round.js';
import { int } from './util/axes.js';
import { transposeTensor } from './shape_ops.js';

/**
 * MatMul (numpy matmul: batched, broadcasting batch dims, 1-D operands promoted and the unit dim
 * removed) and Gemm (Y = alpha·A'·B' + beta·C with optional transposes and C broadcast to
 * [M, N]). Products accumulate in float64 per output row (i, k, j loop order: the inner loop runs
 * over a contiguous row of B) and round once into the output dtype.
 */

/** acc[0..N) += Σ_k a[aOff + k] · b[bOff + k·N + j], for one row of A. */
function matmulRow(a: TensorData, aOff: number, b: TensorData, bOff: number, acc: Float64Array, K: number, N: number): void {
  for (let k = 0; k < K; k++) {
    const av = a[aOff + k]!;
    const row = bOff + k * N;
    for (let j = 0; j < N; j++) acc[j]! += av * b[row + j]!;
  }
}

/** out[oOff + i·N + j] = Σ_k A[i, k]·B[k, j] for row-major A [M, K] and B [K, N]. */
export function matmulInto(a: TensorData, aOff: number, b: TensorData, bOff: number, out: TensorData, oOff: number, M: number, K: number, N: number): void {
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    acc.fill(0);
    matmulRow(a, aOff + i * K, b, bOff, acc, K, N);
    out.set(acc, oOff + i * N);
  }
}

// ---------------------------------------------------------------------------------------------
// MatMul

interface MatMulShape {
  readonly M: number;
  readonly K: number;
  readonly N: number;
  /** Batch shape (broadcast), and the operands' batch shapes. */
  readonly batch: number[];
  readonly aBatch: number[];
  readonly bBatch: number[];
  readonly outShape: number[];
}

export function matmulShape(node: Node, a: readonly number[], b: readonly number[]): MatMulShape {
  if (a.length === 0 || b.length === 0) throw shapeError(node, 'MatMul operands must have rank ≥ 1');
  const a2 = a.length === 1 ? [1, a[0]!] : [...a];
  const b2 = b.length === 1 ? [b[0]!, 1] : [...b];
  const M = int(a2[a2.length - 2]!);
  const K = int(a2[a2.length - 1]!);
  const K2 = int(b2[b2.length - 2]!);
  const N = int(b2[b2.length - 1]!);
  if (K !== K2) throw shapeError(node, `cannot multiply A ${shapeStr(a)} by B ${shapeStr(b)}: inner dims ${K} and ${K2} differ`);
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const batch = broadcastShapes(node, [aBatch, bBatch], ['batch dims of A', 'batch dims of B']);
  const outShape = [...batch];
  if (a.length > 1) outShape.push(M);
  if (b.length > 1) outShape.push(N);
  return { M, K, N, batch, aBatch, bBatch, outShape };
}

export function matmulTensors(node: Node, a: Tensor, b: Tensor): Tensor {
  const s = matmulShape(node, a.shape, b.shape);
  const out = storageFor(a.dtype, numel(s.outShape));
  const { M, K, N } = s;
  const nb = numel(s.batch);
  if (out.length > 0) {
    if (nb === 1) {
      matmulInto(a.data, 0, b.data, 0, out, 0, M, K, N);
    } else {
      // Batch offsets in units of matrices, broadcasting the batch dims.
      const plan = rowPlan(s.batch, [broadcastStrides(s.aBatch, s.batch), broadcastStrides(s.bBatch, s.batch)]);
      const [sa, sb] = plan.innerStrides as [number, number];
      const [oa, ob] = plan.offsets as [Int32Array, Int32Array];
      let o = 0;
      for (let r = 0; r < plan.rows; r++) {
        for (let i = 0; i < plan.inner; i++, o++) {
          const ai = (oa[r]! + i * sa) * M * K;
          const bi = (ob[r]! + i * sb) * K * N;
          matmulInto(a.data, ai, b.data, bi, out, o * M * N, M, K, N);
        }
      }
    }
  }
  roundInPlace(out, a.dtype);
  return new Tensor(a.dtype, s.outShape, out);
}

const MATMUL_TYPES = [...FLOAT_TYPES, ...INT_TYPES.filter((t) => t === 'int32' || t === 'int64' || t === 'uint32' || t === 'uint64')];

export const MatMul: OpDef = {
  opType: 'MatMul',
  domain: '',
  attributes: [],
  inputs: [2, 2],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, MatMul);
    const dtype = requireDType(node, 0, MATMUL_TYPES);
    requireSameDType(node, [0, 1]);
    return [{ dtype, shape: matmulShape(node, node.input(0).shape, node.input(1).shape).outShape }];
  },
  evaluate(node, inputs) {
    return [matmulTensors(node, requiredTensor(node, inputs, 0), requiredTensor(node, inputs, 1))];
  },
  flops(node) {
    const a = node.inputs[0];
    const out = node.outputs[0];
    if (!a || !out) return 0;
    return 2 * numel(out.shape) * a.shape[a.shape.length - 1]!;
  },
};

// ---------------------------------------------------------------------------------------------
// Gemm

function gemmShape(node: Node, a: readonly number[], b: readonly number[], c: readonly number[] | null): { M: number; K: number; N: number } {
  if (a.length !== 2 || b.length !== 2) throw shapeError(node, `Gemm needs 2-D A and B, got ${shapeStr(a)} and ${shapeStr(b)}`);
  const ta = attrInt(node, 'transA', 0) !== 0;
  const tb = attrInt(node, 'transB', 0) !== 0;
  const [M, K] = (ta ? [a[1]!, a[0]!] : [a[0]!, a[1]!]).map(int) as [number, number];
  const [K2, N] = (tb ? [b[1]!, b[0]!] : [b[0]!, b[1]!]).map(int) as [number, number];
  if (K !== K2) throw shapeError(node, `cannot multiply A ${shapeStr(a)} by B ${shapeStr(b)} (transA=${+ta}, transB=${+tb}): ${K} ≠ ${K2}`);
  if (c) checkUnidirectional(node, c, [M, N], 'C');
  return { M, K, N };
}

export const Gemm: OpDef = {
  opType: 'Gemm',
  domain: '',
  attributes: ['alpha', 'beta', 'transA', 'transB', 'broadcast'],
  inputs: [2, 3],
  outputs: [1, 1],
  infer(node): OutputType[] {
    checkNode(node, Gemm);
    const dtype = requireDType(node, 0, MATMUL_TYPES);
    requireSameDType(node, [0, 1, 2]);
    const { M, N } = gemmShape(node, node.input(0).shape, node.input(1).shape, hasInput(node, 2) ? node.input(2).shape : null);
    return [{ dtype, shape: [M, N] }];
  },
  evaluate(node, inputs) {
    let a = requiredTensor(node, inputs, 0);
    let b = requiredTensor(node, inputs, 1);
    const c = inputs[2] ?? null;
    const { M, K, N } = gemmShape(node, a.shape, b.shape, c ? c.shape : null);
    if (attrInt(node, 'transA', 0) !== 0) a = transposeTensor(a, [1, 0]);
    if (attrInt(node, 'transB', 0) !== 0) b = transposeTensor(b, [1, 0]);
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const out = storageFor(a.dtype, M * N);
    const acc = new Float64Array(N);
    const cStr = c ? broadcastStrides(c.shape, [M, N]) : [0, 0];
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      matmulRow(a.data, i * K, b.data, 0, acc, K, N);
      for (let j = 0; j < N; j++) {
        let v = alpha * acc[j]!;
        if (c) v += beta * c.data[i * cStr[0]! + j * cStr[1]!]!;
        out[i * N + j] = v;
      }
    }
    roundInPlace(out, a.dtype);
    return [new Tensor(a.dtype, [M, N], out)];
  },
  flops(node) {
    const out = node.outputs[0];
    const a = node.inputs[0];
    if (!out || !a || a.shape.length !== 2) return 0;
    const K = attrInt(node, 'transA', 0) !== 0 ? a.shape[0]! : a.shape[1]!;
    return 2 * numel(out.shape) * K;
  },
};
