import type { Node } from '../../src/ir/graph.js';
import { YhcError } from '../../src/errors.js';
import { describeNode, YHC_DOMAIN } from '../../src/ir/graph.js';
import { convGroups } from '../../src/ops/conv.js';
import { windowGeometry } from '../../src/ops/util/window.js';
import { activationOf } from '../../src/ops/yhc/activation.js';
import { RESIDUAL } from '../../src/ops/yhc/conv.js';
import { requireFloatStorage, type KernelSpec } from '../kernel_spec.js';
import type { LoweringContext } from './lowering.js';
import { withResidual } from './conv_residual.js';
import { conv2dDirectSpec } from './conv_direct.js';
import { conv2dTiledLetterboxSpec, conv2dTiledUpsampledSpec } from './conv_tiled.js';
import { conv2dTiledNormedSpec, conv2dTiledSimamSpec, conv2dTiledSimamStatsSpec, conv2dTiledSpec, planeStatsOutput } from './conv_tiled.js';

/**
 * Conv and ai.yhc.Conv (2-D, float32 or float16 storage, NCHW) → a kernel: dense convs tiled (conv_tiled.ts),
 * grouped and depthwise ones direct (conv_direct.ts); a normalization its input or output hands
 * across (codegen/norm_handoff.ts) picks the tiled variant that carries it.
 */
export function convKernel(node: Node, ctx: LoweringContext): KernelSpec {
  const x = node.input(0);
  const w = node.input(1);
  const bias = node.inputs[2] ?? null;
  const y = node.outputs[0]!;
  requireFloatStorage(node, [x, w, ...(bias ? [bias] : []), ...(node.inputs[RESIDUAL] ? [node.input(RESIDUAL)] : []), y]);
  if (x.shape.length !== 4) throw new YhcError('CODEGEN', `${describeNode(node)}: only 2-D convolutions have a kernel (input rank ${x.shape.length})`);
  const groups = convGroups(node);
  const step = {
    x,
    w,
    bias,
    y,
    groups,
    // The same window geometry (auto_pad included) the interpreter's Conv uses.
    geometry: windowGeometry(node, x.shape.slice(2), w.shape.slice(2)),
    activation: node.domain === YHC_DOMAIN ? activationOf(node) : 'none',
    family: groups === x.shape[1] && groups > 1 ? 'dwconv' : 'conv',
    node,
  };
  // A residual Add in the epilogue (norm_handoff.ts hands no normalization to or from such a conv).
  const residual = node.inputs[RESIDUAL] ?? null;
  if (residual) return withResidual(groups !== 1 ? conv2dDirectSpec(step) : conv2dTiledSpec(step), residual);
  // Dense convs are GEMMs: tiled. Grouped and depthwise ones have too little reuse for it.
  if (groups !== 1) return conv2dDirectSpec(step);
  // Normalizations handed across nodes (norm_handoff.ts): read the input through one, leave
  // SimAM's statistics of the output for the next conv.
  const input = ctx.inputHandoff(x);
  if (input?.kind === 'letterbox') return conv2dTiledLetterboxSpec(step, input);
  const simam = ctx.planeStats(y);
  if (simam) return conv2dTiledSimamStatsSpec(step, planeStatsOutput(ctx, y.shape, simam), input?.kind === 'groupnorm' ? input : null);
  if (input?.kind === 'groupnorm') return conv2dTiledNormedSpec(step, input);
  if (input?.kind === 'simam') return conv2dTiledSimamSpec({ ...step, x: input.source }, input.stats);
  if (input?.kind === 'upsampled') return conv2dTiledUpsampledSpec(step, input);
  return conv2dTiledSpec(step);
}
