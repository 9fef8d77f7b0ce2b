import type { Node } from '../../src/ir/graph.js';
import { ONNX_DOMAIN } from '../../src/ir/graph.js';
import type { KernelSpec } from '../kernel_spec.js';
import { convKernel } from './conv.js';
import { concatKernel, expandKernel, sliceKernel, splitKernel, tileKernel, transposeKernel } from './data_movement.js';
import { BINARY_OPS, UNARY_OPS, binaryKernel, unaryKernel, whereKernel } from './elementwise.js';
import { gatherElementsKernel, gatherKernel, gatherNdKernel } from './gather.js';
import { batchNormKernel, groupNormKernel } from './normalization.js';
import { REDUCE_OPS, reduceKernel } from './reduce.js';
import { softmaxKernel } from './softmax.js';
import { topkKernel } from './topk.js';

export type KernelGenerator = (node: Node, opset: number) => KernelSpec;

/**
 * Ops whose output is its input with another shape: no kernel, the output aliases the input's
 * buffer (row-major data is unchanged by them).
 */
export const VIEW_OPS: ReadonlySet<string> = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

const GENERATORS = new Map<string, KernelGenerator>([
  ...UNARY_OPS.map((op) => [op, unaryKernel] as const),
  ...BINARY_OPS.map((op) => [op, binaryKernel] as const),
  ...REDUCE_OPS.map((op) => [op, reduceKernel] as const),
  ['Where', whereKernel],
  ['Conv', convKernel],
  ['BatchNormalization', batchNormKernel],
  ['InstanceNormalization', groupNormKernel],
  ['GroupNormalization', groupNormKernel],
  ['Softmax', softmaxKernel],
  ['Transpose', transposeKernel],
  ['Slice', sliceKernel],
  ['Expand', expandKernel],
  ['Tile', tileKernel],
  ['Concat', concatKernel],
  ['Split', splitKernel],
  ['Gather', gatherKernel],
  ['GatherElements', gatherElementsKernel],
  ['GatherND', gatherNdKernel],
  ['TopK', topkKernel],
]);

/** The generator for a node, or undefined when yhc has no kernel for its op. */
export function kernelGeneratorFor(node: Node): KernelGenerator | undefined {
  return node.domain === ONNX_DOMAIN ? GENERATORS.get(node.opType) : undefined;
}

export function isViewNode(node: Node): boolean {
  return node.domain === ONNX_DOMAIN && VIEW_OPS.has(node.opType);
}

/** Op types with a kernel, for `yhc --help` and docs. */
export function opsWithKernels(): string[] {
  return [...GENERATORS.keys(), ...VIEW_OPS].sort();
}
