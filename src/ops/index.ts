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

export type { OpDef, OutputType } from './op.js';

/**
 * Every ONNX (ai.onnx) op yhc understands. `Constant` is not here: the importer turns Constant
 * nodes into constant values. yhc's own ops (domain ai.yhc) are registered by the passes that
 * introduce them.
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
];

const extraOps: OpDef[] = [];
let table: Map<string, OpDef> | null = null;

function key(opType: string, domain: string): string {
  return `${domain === 'ai.onnx' ? '' : domain}\u0000${opType}`;
}

function buildTable(): Map<string, OpDef> {
  const m = new Map<string, OpDef>();
  for (const d of [...ONNX_OPS, ...extraOps]) m.set(key(d.opType, d.domain), d);
  return m;
}

/** The OpDef for an op type in a domain ('' or 'ai.onnx' for standard ONNX), if yhc has one. */
export function lookupOp(opType: string, domain: string): OpDef | undefined {
  table ??= buildTable();
  return table.get(key(opType, domain));
}

/**
 * Register an op outside ai.onnx (yhc's own ops in domain ai.yhc, defined next to the passes
 * that introduce them). Registering the same (domain, opType) again replaces the definition.
 */
export function registerOp(def: OpDef): void {
  if (def.domain === '' || def.domain === 'ai.onnx') {
    throw new Error(`registerOp: ${def.opType} is in ai.onnx; add it to ONNX_OPS instead`);
  }
  const i = extraOps.findIndex((d) => d.opType === def.opType && d.domain === def.domain);
  if (i >= 0) extraOps[i] = def;
  else extraOps.push(def);
  table = null;
}
