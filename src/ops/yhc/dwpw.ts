import { attrInt } from '../../ir/attributes.js';
import { Node, type Attrs } from '../../ir/graph.js';
import { numel, type Tensor } from '../../tensor.js';
import { convolve, convShape, type ConvShape } from '../conv.js';
import type { OpDef } from '../op.js';
import { checkNode, FLOAT_TYPES, hasInput, requireDType, requiredTensor, requireSameDType } from '../util/checks.js';
import { shapeError, shapeStr, valueLabel } from '../util/errors.js';
import { epsilonAttr, normalizeGroupsFlops } from '../util/normalize.js';
import { roundInPlace } from '../util/round.js';
import { activationOf, applyActivation, type Activation } from './activation.js';
import { groupNorm } from './group_norm.js';

/**
 * ai.yhc.DwPw: a depthwise conv and the pointwise conv it feeds, each with its optional
 * GroupNorm and its activation, as ONE op — a kernel fusion, nothing folded across the
 * nonlinearities. Exactly:
 *
 *   h = dw_act( [GroupNorm_dw]( DepthwiseConv(X, dw_weight, dw_bias) ) )
 *   Y = pw_act( [GroupNorm_pw]( Conv1x1(h, pw_weight, pw_bias) ) )
 *
 * Inputs (omitted optional inputs are empty slots; trailing ones may be left off):
 *   0 X              [N, C, H, W]
 *   1 dw_weight      [C, 1, kH, kW]     depthwise: one filter per channel (group = C)
 *   2 dw_bias        [C]                optional
 *   3 dw_norm_scale  [C]                present iff dw_norm_groups > 0
 *   4 dw_norm_bias   [C]                present iff dw_norm_groups > 0
 *   5 pw_weight      [M, C, 1, 1]       pointwise: 1×1, group 1, stride 1, no padding
 *   6 pw_bias        [M]                optional
 *   7 pw_norm_scale  [M]                present iff pw_norm_groups > 0
 *   8 pw_norm_bias   [M]                present iff pw_norm_groups > 0
 * Output: Y [N, M, OH, OW] (OH, OW from the depthwise geometry).
 *
 * Attributes:
 *   kernel_shape, strides, pads, dilations   the depthwise conv's geometry, as ONNX Conv's
 *                                            (explicit pads; auto_pad is resolved by the pass)
 *   dw_activation, pw_activation             none | silu | relu | sigmoid (default none)
 *   dw_norm_groups, pw_norm_groups           GroupNorm group counts; 0 = no norm (default 0)
 *   dw_norm_epsilon, pw_norm_epsilon         the norms' ε (default 1e-5 as float32, DEFAULT_EPSILON)
 */

export const DW = { x: 0, weight: 1, bias: 2, normScale: 3, normBias: 4 } as const;
export const PW = { weight: 5, bias: 6, normScale: 7, normBias: 8 } as const;

/** One stage's epilogue: its GroupNorm (groups 0 = none) and activation. */
export interface StageEpilogue {
  readonly normGroups: number;
  readonly normEpsilon: number;
  readonly activation: Activation;
}

export function dwEpilogue(node: Node): StageEpilogue {
  return { normGroups: attrInt(node, 'dw_norm_groups', 0), normEpsilon: epsilonAttr(node, 'dw_norm_epsilon'), activation: activationOf(node, 'dw_activation') };
}

export function pwEpilogue(node: Node): StageEpilogue {
  return { normGroups: attrInt(node, 'pw_norm_groups', 0), normEpsilon: epsilonAttr(node, 'pw_norm_epsilon'), activation: activationOf(node, 'pw_activation') };
}

/**
 * The depthwise conv as a plain Conv node view (same name, so errors name this DwPw node):
 * its geometry attributes plus group = C, for the shared conv shape logic and reference conv.
 */
function depthwiseView(node: Node, channels: number): Node {
  const attrs: Attrs = new Map([['group', { type: 'int', value: channels }]]);
  for (const name of ['kernel_shape', 'strides', 'pads', 'dilations']) if (node.attrs.has(name)) attrs.set(name, node.attrs.get(name)!);
  return new Node(node.id, node.opType, node.domain, node.name, attrs, []);
}

/** The pointwise conv as a Conv node view: no attributes (1×1, group 1, stride 1, no pads). */
function pointwiseView(node: Node): Node {
  return new Node(node.id, node.opType, node.domain, node.name, new Map(), []);
}

export interface DwPwShapes {
  readonly dw: ConvShape;
  readonly pw: ConvShape;
}

/** Validate every input against the op's contract; the two convs' shapes. */
export function dwpwShapes(node: Node): DwPwShapes {
  const x = node.input(DW.x).shape;
  if (x.length !== 4) throw shapeError(node, `input X has shape ${shapeStr(x)}; expected [N, C, H, W]`);
  const c = x[1]!;
  const wd = node.input(DW.weight).shape;
  if (wd.length !== 4 || wd[0] !== c || wd[1] !== 1) {
    throw shapeError(node, `${valueLabel(node, DW.weight)} has shape ${shapeStr(wd)}; a depthwise filter over ${c} channels is [${c}, 1, kH, kW]`);
  }
  const bd = hasInput(node, DW.bias) ? node.input(DW.bias).shape : null;
  const dw = convShape(depthwiseView(node, c), x, wd, bd);
  const wp = node.input(PW.weight).shape;
  if (wp.length !== 4 || wp[1] !== c || wp[2] !== 1 || wp[3] !== 1) {
    throw shapeError(node, `${valueLabel(node, PW.weight)} has shape ${shapeStr(wp)}; a pointwise filter over ${c} channels is [M, ${c}, 1, 1]`);
  }
  const bp = hasInput(node, PW.bias) ? node.input(PW.bias).shape : null;
  const pw = convShape(pointwiseView(node), dw.outShape, wp, bp);
  checkNorm(node, 'dw', dwEpilogue(node).normGroups, c, DW.normScale, DW.normBias);
  checkNorm(node, 'pw', pwEpilogue(node).normGroups, wp[0]!, PW.normScale, PW.normBias);
  return { dw, pw };
}

function checkNorm(node: Node, stage: string, groups: number, channels: number, scaleAt: number, biasAt: number): void {
  if (groups < 0 || (groups > 0 && channels % groups !== 0)) {
    throw shapeError(node, `${stage}_norm_groups ${groups} must be 0 (no norm) or divide the ${stage} conv's ${channels} output channels`);
  }
  for (const i of [scaleAt, biasAt]) {
    if (groups === 0 && hasInput(node, i)) throw shapeError(node, `${valueLabel(node, i)} is given but ${stage}_norm_groups is 0 (no ${stage} norm)`);
    if (groups === 0) continue;
    if (!hasInput(node, i)) throw shapeError(node, `the ${stage} GroupNorm (${stage}_norm_groups ${groups}) needs input ${i}`);
    const s = node.input(i).shape;
    if (s.length !== 1 || s[0] !== channels)
      throw shapeError(node, `${valueLabel(node, i)} has shape ${shapeStr(s)}; expected [${channels}] (one per channel)`);
  }
}

/** conv → [GroupNorm] → act, each step rounded into the dtype as the separate ops would. */
function epilogue(y: Tensor, e: StageEpilogue, scale: Tensor | null, bias: Tensor | null): Tensor {
  if (e.normGroups > 0) return groupNorm(y, e.normGroups, e.normEpsilon, scale!.data, bias!.data, e.activation);
  if (e.activation !== 'none') {
    applyActivation(y.data, e.activation);
    roundInPlace(y.data, y.dtype);
  }
  return y;
}

export const DwPw: OpDef = {
  opType: 'DwPw',
  domain: 'ai.yhc',
  attributes: [
    'kernel_shape',
    'strides',
    'pads',
    'dilations',
    'dw_activation',
    'pw_activation',
    'dw_norm_groups',
    'dw_norm_epsilon',
    'pw_norm_groups',
    'pw_norm_epsilon',
  ],
  // X and dw_weight lead; pw_weight (input 5) is required too, after optional slots.
  inputs: [2, 9],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, DwPw);
    node.input(PW.weight);
    const dtype = requireDType(node, DW.x, FLOAT_TYPES);
    requireSameDType(
      node,
      [0, 1, 2, 3, 4, 5, 6, 7, 8].filter((i) => i < node.inputs.length),
    );
    return [{ dtype, shape: dwpwShapes(node).pw.outShape }];
  },
  evaluate(node, inputs) {
    const x = requiredTensor(node, inputs, DW.x);
    const c = x.shape[1]!;
    const opt = (i: number) => inputs[i] ?? null;
    const wd = requiredTensor(node, inputs, DW.weight);
    const bd = opt(DW.bias);
    const dw = convolve(x, wd, bd, convShape(depthwiseView(node, c), x.shape, wd.shape, bd?.shape ?? null));
    const h = epilogue(dw, dwEpilogue(node), opt(DW.normScale), opt(DW.normBias));
    const wp = requiredTensor(node, inputs, PW.weight);
    const bp = opt(PW.bias);
    const pw = convolve(h, wp, bp, convShape(pointwiseView(node), h.shape, wp.shape, bp?.shape ?? null));
    return [epilogue(pw, pwEpilogue(node), opt(PW.normScale), opt(PW.normBias))];
  },
  flops(node) {
    const x = node.inputs[DW.x];
    const wd = node.inputs[DW.weight];
    const wp = node.inputs[PW.weight];
    const y = node.outputs[0];
    if (!x || !wd || !wp || !y) return 0;
    const [n, , oh, ow] = y.shape as [number, number, number, number];
    const mid = n * x.shape[1]! * oh * ow; // elements between the two convs
    const out = numel(y.shape);
    // Each stage's GroupNorm as ai.yhc.GroupNorm counts it (activations are not counted here).
    const norm = (groups: number, elements: number) => (groups > 0 ? normalizeGroupsFlops(elements, false) : 0);
    return 2 * mid * numel(wd.shape.slice(2)) + 2 * out * wp.shape[1]! + norm(dwEpilogue(node).normGroups, mid) + norm(pwEpilogue(node).normGroups, out);
  },
};
