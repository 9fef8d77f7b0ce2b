import { canonicalize } from './canonicalize.js';
import { foldBatchnorm } from './fold_batchnorm.js';
import { foldRepconv } from './fold_repconv.js';
import { fuseAttention } from './fuse_attention.js';
import { fuseGroupnorm } from './fuse_groupnorm.js';
import { fuseResidual } from './fuse_residual.js';
import { groupDwPw } from './group_dw_pw.js';
import { inlineSimam } from './inline_simam.js';
import type { Pass } from './pass.js';
import { recognizeDecoder } from './recognize_decoder.js';
import { recognizeQdq } from './recognize_qdq.js';
import { recognizeQuant } from './recognize_quant.js';

export type { Pass } from './pass.js';
export { runPipeline, type PipelineReport } from './pipeline.js';

/**
 * The optimization pipeline, in order. recognize-quant and recognize-qdq first, while the
 * quantization chains are as the exporter wrote them. canonicalize runs again once BatchNorms are folded and norms fused
 * (their producers can then absorb SiLU), and to drop what became dead; fuse-residual runs after
 * it (a residual must stay after the activation it follows).
 */
export const PASSES: readonly Pass[] = [
  recognizeQuant,
  recognizeQdq,
  canonicalize,
  foldBatchnorm,
  foldRepconv,
  fuseGroupnorm,
  inlineSimam,
  canonicalize,
  fuseAttention,
  groupDwPw,
  recognizeDecoder,
  canonicalize,
  fuseResidual,
];

export const PASS_NAMES: readonly string[] = [...new Set(PASSES.map((p) => p.name))];
