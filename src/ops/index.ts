import type { Node } from '../ir/graph.js';
import type { OpDef } from './op.js';
import { ArgMax, ArgMin } from './argmax.js';
import { BatchNormalization } from './batch_normalization.js';
import { Cast, CastLike } from './cast.js';
import { Clip } from './clip.js';
import { CONCAT_SPLIT_OPS } from './concat_split.js';
import { ConstantOfShape, Identity, Shape, Size } from './constant_like.js';
import { Conv } from './conv.js';
import { BINARY_OPS } from './elementwise_binary.js';
import { UNARY_OPS } from './elementwise_unary.js';
import { GATHER_OPS } from './gather.js';
import { GroupNormalization } from './group_normalization.js';
import { InstanceNormalization } from './instance_normalization.js';
import { LayerNormalization } from './layer_normalization.js';
import { Gemm, MatMul } from './matmul_gemm.js';
import { MaxPool } from './pool.js';
import { REDUCE_OPS } from './reduce.js';
import { Resize } from './resize.js';
import { SHAPE_OPS } from './shape_ops.js';
import { Slice } from './slice.js';
import { LogSoftmax, Softmax } from './softmax.js';
import { TopK } from './topk.js';
import { Where } from './where.js';
import { DequantizeLinear, QuantizeLinear } from './quantize_linear.js';
import { DynamicQuantizeLinear } from './dynamic_quantize.js';
import { ConvInteger, MatMulInteger } from './integer_ops.js';
import { QLinearConv, QLinearMatMul } from './qlinear.js';

export type { OpDef } from './op.js';
import { YHC_OPS } from './yhc/index.js';

/**
 * Every ONNX (ai.onnx) op yhc understands. `Constant` is not here: the importer turns Constant
 * nodes into constant values. yhc's own ops (domain ai.yhc, introduced by the passes) are in
 * ./yhc/index.ts.
 */
export const ONNX_OPS: readonly OpDef[] = [
  ...BINARY_OPS,
  ...UNARY_OPS,
  Where,
  Clip,
  Cast,
  CastLike,
  ...SHAPE_OPS,
  ...CONCAT_SPLIT_OPS,
  Slice,
  ...GATHER_OPS,
  TopK,
  ArgMax,
  ArgMin,
  ...REDUCE_OPS,
  Softmax,
  LogSoftmax,
  Shape,
  Size,
  ConstantOfShape,
  Identity,
  Conv,
  MaxPool,
  BatchNormalization,
  InstanceNormalization,
  GroupNormalization,
  LayerNormalization,
  MatMul,
  Gemm,
  Resize,
  QuantizeLinear,
  DequantizeLinear,
  DynamicQuantizeLinear,
  ConvInteger,
  MatMulInteger,
  QLinearConv,
  QLinearMatMul,
];

let table: Map<string, OpDef> | null = null;

function key(opType: string, domain: string): string {
  return `${domain === 'ai.onnx' ? '' : domain}\u0000${opType}`;
}

function buildTable(): Map<string, OpDef> {
  const m = new Map<string, OpDef>();
  for (const d of [...ONNX_OPS, ...YHC_OPS]) m.set(key(d.opType, d.domain), d);
  return m;
}

/** The OpDef for an op type in a domain ('' or 'ai.onnx' for standard ONNX), if yhc has one. */
export function lookupOp(opType: string, domain: string): OpDef | undefined {
  table ??= buildTable();
  return table.get(key(opType, domain));
}

// The traits other layers ask about, answered by the node's OpDef (op.ts documents each).

/** The node's op is a view: its output is its input's row-major data under another shape. */
export function isViewOp(node: Node): boolean {
  return lookupOp(node.opType, node.domain)?.dataMovement === 'view';
}

/** The node's op only moves data without duplicating it: a view or a rearrangement. */
export function movesDataOnly(node: Node): boolean {
  return lookupOp(node.opType, node.domain)?.dataMovement !== undefined;
}

/** The node's op applies its attribute `activation` to its result. */
export function takesActivation(node: Node): boolean {
  return lookupOp(node.opType, node.domain)?.takesActivation === true;
}
