import type { DType } from '../../src/dtype.js';
import { ONNX_DOMAIN, YHC_DOMAIN, type Node, type Value } from '../../src/ir/graph.js';
import type { KernelSpec } from '../kernel_spec.js';
import type { InputHandoff, SimamHandoff } from '../norm_handoff.js';
import { convKernel } from './conv.js';
import { concatKernel, expandKernel, sliceKernel, splitKernel, tileKernel, transposeKernel } from './data_movement.js';
import { dwpwKernels } from './dwpw.js';
import { BINARY_OPS, UNARY_OPS, binaryKernel, unaryKernel, whereKernel } from './elementwise.js';
import { gatherElementsKernel, gatherKernel, gatherNdKernel } from './gather.js';
import { affineKernel } from './affine.js';
import { batchNormKernel } from './batch_norm.js';
import { groupNormKernel, yhcGroupNormKernel } from './group_norm.js';
import { REDUCE_OPS, reduceKernel } from './reduce.js';
import { softmaxKernel } from './softmax.js';
import { topkKernel } from './topk.js';
import { simamKernel } from './simam.js';
import { yoloDecodeKernels } from './yolo_decode.js';
import { yoloNmsKernels } from './yolo_nms.js';

/** What a generator may ask of the lowering. */
export interface LoweringContext {
  /** The node's domain opset. */
  readonly opset: number;
  /** A fresh intermediate tensor, for ops lowered to several kernels (storage is planned). */
  temp(dtype: DType, shape: readonly number[]): Value;
  /**
   * Engine state: zeroed once at engine creation, kept across runs, never shared with another
   * tensor (counters a kernel resets itself when it is done with them).
   */
  state(dtype: DType, shape: readonly number[]): Value;
  /** The normalization a value's readers apply on load instead of its producer (norm_handoff.ts). */
  inputHandoff(v: Value): InputHandoff | undefined;
  /** SimAM's plane statistics the producer of `v` gathers for its readers' readers. */
  planeStats(v: Value): SimamHandoff | undefined;
}

/** One node → the kernels that implement it, in launch order. */
export type KernelGenerator = (node: Node, ctx: LoweringContext) => KernelSpec | readonly KernelSpec[];

/** ONNX ops by op type. */
const ONNX_GENERATORS = new Map<string, KernelGenerator>([
  ...UNARY_OPS.map((op) => [op, unaryKernel] as const),
  ...BINARY_OPS.map((op) => [op, binaryKernel] as const),
  ...REDUCE_OPS.map((op) => [op, (node: Node, ctx: LoweringContext) => reduceKernel(node, ctx.opset)] as const),
  ['Where', whereKernel],
  ['Conv', convKernel],
  ['BatchNormalization', batchNormKernel],
  ['InstanceNormalization', (node, ctx) => groupNormKernel(node, ctx.opset)],
  ['GroupNormalization', (node, ctx) => groupNormKernel(node, ctx.opset)],
  ['Softmax', (node, ctx) => softmaxKernel(node, ctx.opset)],
  ['Transpose', transposeKernel],
  ['Slice', (node, ctx) => sliceKernel(node, ctx.opset)],
  ['Expand', expandKernel],
  ['Tile', tileKernel],
  ['Concat', concatKernel],
  ['Split', splitKernel],
  ['Gather', gatherKernel],
  ['GatherElements', gatherElementsKernel],
  ['GatherND', gatherNdKernel],
  ['TopK', topkKernel],
]);

/** yhc's own ops (domain ai.yhc) by op type. */
const YHC_GENERATORS = new Map<string, KernelGenerator>([
  ['Conv', convKernel],
  ['Affine', affineKernel],
  ['GroupNorm', yhcGroupNormKernel],
  ['SimAM', simamKernel],
  ['DwPw', dwpwKernels],
  ['YoloDecode', yoloDecodeKernels],
  ['YoloNms', yoloNmsKernels],
]);

/** The generator for a node, or undefined when yhc has no kernel for its op. */
export function kernelGeneratorFor(node: Node): KernelGenerator | undefined {
  if (node.domain === ONNX_DOMAIN) return ONNX_GENERATORS.get(node.opType);
  if (node.domain === YHC_DOMAIN) return YHC_GENERATORS.get(node.opType);
  return undefined;
}

