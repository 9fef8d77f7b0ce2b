import { ONNX_DOMAIN, YHC_DOMAIN, type Node } from '../../src/ir/graph.js';
import { convKernel } from './conv.js';
import { concatKernel, expandKernel, sliceKernel, splitKernel, tileKernel, transposeKernel } from './data_movement.js';
import { dwpwKernels } from './dwpw.js';
import { BINARY_OPS, UNARY_OPS, binaryKernel, unaryKernel, whereKernel } from './elementwise.js';
import { gatherElementsKernel, gatherKernel, gatherNdKernel } from './gather.js';
import { affineKernel } from './affine.js';
import { attentionKernel } from './attention.js';
import { batchNormKernel } from './batch_norm.js';
import { groupNormKernel, yhcGroupNormKernel } from './group_norm.js';
import { matmulKernel } from './matmul.js';
import { maxPoolKernel } from './max_pool.js';
import { REDUCE_OPS, reduceKernel } from './reduce.js';
import { resizeKernel } from './resize.js';
import { softmaxKernel } from './softmax.js';
import { topkKernel } from './topk.js';
import { argExtremeKernel, clipKernel } from './postprocess_ops.js';
import { simamKernel } from './simam.js';
import { qconvKernels } from './qconv.js';
import { yoloDecodeKernels } from './yolo_decode.js';
import { yoloNmsKernels } from './yolo_nms.js';
import { boxesToFrameKernel, letterboxKernel } from './letterbox.js';
import type { KernelGenerator, LoweringContext } from './lowering.js';
import { needsFusedKernel } from './fused_elementwise.js';

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
  ['ArgMax', argExtremeKernel],
  ['ArgMin', argExtremeKernel],
  ['Clip', clipKernel],
  ['MaxPool', maxPoolKernel],
  ['Resize', resizeKernel],
  ['MatMul', matmulKernel],
]);

/** yhc's own ops (domain ai.yhc) by op type. */
const YHC_GENERATORS = new Map<string, KernelGenerator>([
  ['Conv', convKernel],
  ['Affine', affineKernel],
  ['GroupNorm', yhcGroupNormKernel],
  ['SimAM', simamKernel],
  ['DwPw', dwpwKernels],
  ['Attention', attentionKernel],
  ['YoloDecode', yoloDecodeKernels],
  ['YoloNms', yoloNmsKernels],
  ['Letterbox', letterboxKernel],
  ['BoxesToFrame', boxesToFrameKernel],
  ['QConv', qconvKernels],
]);

/** Whether yhc has a kernel for a node: a generator, or the fused elementwise kernel (a per-tensor Q or DQ). */
export function hasKernel(node: Node): boolean {
  return kernelGeneratorFor(node) !== undefined || needsFusedKernel(node);
}

/** The generator for a node, or undefined when yhc has no kernel for its op. */
export function kernelGeneratorFor(node: Node): KernelGenerator | undefined {
  if (node.domain === ONNX_DOMAIN) return ONNX_GENERATORS.get(node.opType);
  if (node.domain === YHC_DOMAIN) return YHC_GENERATORS.get(node.opType);
  return undefined;
}
