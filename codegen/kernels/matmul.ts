import { YhcError } from '../../src/errors.js';
import { describeNode, type Node } from '../../src/ir/graph.js';
import { broadcastStrides } from '../../src/ops/util/broadcast.js';
import { numel } from '../../src/tensor.js';
import { elementType, imageMajorThreads, int64Array, intParam, oneThreadPerElement, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/** What the matmul template accumulates in, by element type. */
const ACCUMULATOR: Partial<Record<string, string>> = {
  float32: 'float',
  float16: 'float',
  int32: 'int32_t',
  int64: 'int64_t',
  uint32: 'uint32_t',
  uint64: 'uint64_t',
};

/**
 * MatMul → matmul (templates/kernels/matmul.cuh): numpy matmul semantics as src/ops/matmul_gemm.ts
 * defines them — batched, batch dims broadcast, 1-D operands promoted — one thread per output
 * element. Attention (YOLOv10 PSA, YOLO11 C2PSA) multiplies [B, heads, tokens, dim] this way.
 */
export function matmulKernel(node: Node): KernelSpec {
  const a = node.input(0);
  const b = node.input(1);
  const y = node.outputs[0]!;
  const acc = ACCUMULATOR[a.dtype];
  if (!acc || b.dtype !== a.dtype) {
    throw new YhcError(
      'CODEGEN',
      `${describeNode(node)}: the MatMul kernel takes two float32, float16, int32, int64, uint32 or uint64 tensors of one type, got ${a.dtype} and ${b.dtype}`,
    );
  }
  const a2 = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const b2 = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const [M, K] = a2.slice(-2) as [number, number];
  const N = b2.at(-1)!;
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const batchShape = Array.from({ length: rank }, (_, d) => {
    const dimOf = (s: readonly number[]) => s[d - (rank - s.length)] ?? 1;
    return Math.max(dimOf(aBatch), dimOf(bBatch));
  });
  // Strides in elements: one matrix of A is M·K elements, one of B is K·N.
  const aStrides = broadcastStrides(aBatch, batchShape).map((s) => s * M * K);
  const bStrides = broadcastStrides(bBatch, batchShape).map((s) => s * K * N);
  const dims = rank > 0 ? batchShape : [1];
  const count = numel(y.shape);
  // Image-major when A, B and Y all have the batch as their leading dim.
  const imageMajor = y.shape.length >= 3 && a.shape.length === y.shape.length && b.shape.length === y.shape.length && y.shape[0]! > 0;
  const perImage = imageMajor ? count / y.shape[0]! : count;
  return {
    family: 'matmul',
    template: 'matmul.cuh',
    kernel: 'yhc::matmul',
    params: [
      typeParam('T', elementType(y)),
      typeParam('Acc', acc),
      intParam('M', M),
      intParam('K', K),
      intParam('N', N),
      intParam('per_image', perImage),
      intParam('batch_rank', dims.length),
    ],
    tensors: [read('a', a), read('b', b), write('y', y)],
    locals: [
      { cType: `yhc::Dims<${dims.length}>`, name: 'batch_dims', init: int64Array(dims) },
      { cType: `yhc::Strides<${dims.length}>`, name: 'a_batch', init: int64Array(rank > 0 ? aStrides : [0]) },
      { cType: `yhc::Strides<${dims.length}>`, name: 'b_batch', init: int64Array(rank > 0 ? bStrides : [0]) },
    ],
    callArgs: ['a', 'b', 'y', 'batch_dims', 'a_batch', 'b_batch'],
    ...(imageMajor ? imageMajorThreads(y.shape[0]!, perImage) : { launch: oneThreadPerElement(count) }),
    nodes: [node],
    flops: 2 * count * K,
    halfStorage: true,
  };
}
