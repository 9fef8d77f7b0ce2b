import { ONNX_DOMAIN, YHC_DOMAIN, describeNode, type Graph, type Node } from '../src/ir/graph.js';
import { Uses, absorb, removeNodes } from '../src/ir/rewrite.js';
import { batchNormalizationAttrs } from '../src/ops/batch_normalization.js';
import { convGroups } from '../src/ops/conv.js';
import { autoPadOf, explicitPads } from '../src/ops/util/window.js';
import { activationOf } from '../src/ops/yhc/activation.js';
import { Tensor } from '../src/tensor.js';
import type { Pass, PassLog } from './pass.js';

/**
 * Inference BatchNormalization is a per-channel affine map y = x·s + t with
 * s = γ / sqrt(var + ε), t = β − mean·s. It folds
 *   after a conv:   BN(conv(x, W, b)) = conv(x, W·s[oc], b·s + t)        (any groups, any padding)
 *   before a conv:  conv(BN(x), W, b) = conv(x, W·s[ic], b + Σ W·t[ic])    (only without padding:
 *                   padding zeros are not BN(x) values, so the border would be wrong)
 * and a BN next to no conv becomes ai.yhc.Affine(x, s, t).
 */

const isConv = (n: Node | null | undefined): n is Node =>
  !!n && n.opType === 'Conv' && (n.domain === ONNX_DOMAIN || (n.domain === YHC_DOMAIN && activationOf(n) === 'none'));

/** The BN's per-channel scale and shift, computed in float64 and rounded once. */
function affineOf(bn: Node): { scale: Float64Array; shift: Float64Array } | null {
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => bn.inputs[i]?.constant ?? null);
  if (!gamma || !beta || !mean || !variance) return null;
  const eps = batchNormalizationAttrs(bn).epsilon;
  const c = gamma.size;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma.data[i]! / Math.sqrt(variance.data[i]! + eps);
    shift[i] = beta.data[i]! - mean.data[i]! * scale[i]!;
  }
  return { scale, shift };
}

const f32 = (shape: readonly number[], values: ArrayLike<number>) => Tensor.from('float32', shape, values);

/** BN(conv(x, W, b)) → conv(x, W·s[oc], b·s + t): each output channel's filter and bias scale. */
function foldIntoConvBefore(graph: Graph, conv: Node, bn: Node, a: { scale: Float64Array; shift: Float64Array }): void {
  const w = conv.input(1).constant!;
  const perOc = w.size / w.shape[0]!;
  const weights = Array.from(w.data, (v, i) => v * a.scale[Math.floor(i / perOc)]!);
  const b = conv.inputs[2]?.constant ?? null;
  const bias = Array.from(a.scale, (s, oc) => (b ? b.data[oc]! : 0) * s + a.shift[oc]!);
  conv.inputs = [
    conv.input(0),
    graph.newConstant(`${conv.name}_w_bn`, f32(w.shape, weights)),
    graph.newConstant(`${conv.name}_b_bn`, f32([w.shape[0]!], bias)),
  ];
  toYhcConv(conv);
  absorb(conv, [bn]);
  // The conv now produces what the BN produced (same Value: graph output names stay).
  const y = bn.outputs[0]!;
  conv.outputs = [y];
  y.producer = conv;
}

/** conv(BN(x), W, b) → conv(x, W·s[ic], b + Σ_taps W·t[ic]), ic the global input channel. */
function foldIntoConvAfter(graph: Graph, bn: Node, conv: Node, a: { scale: Float64Array; shift: Float64Array }): void {
  const w = conv.input(1).constant!;
  const [m, cPerGroup] = [w.shape[0]!, w.shape[1]!];
  const taps = w.size / (m * cPerGroup);
  const groups = convGroups(conv);
  const mPerGroup = m / groups;
  const weights = new Float64Array(w.size);
  const b = conv.inputs[2]?.constant ?? null;
  const bias = Float64Array.from({ length: m }, (_, oc) => (b ? b.data[oc]! : 0));
  for (let oc = 0; oc < m; oc++) {
    const g = Math.floor(oc / mPerGroup);
    for (let ic = 0; ic < cPerGroup; ic++) {
      const c = g * cPerGroup + ic;
      for (let k = 0; k < taps; k++) {
        const i = (oc * cPerGroup + ic) * taps + k;
        weights[i] = w.data[i]! * a.scale[c]!;
        bias[oc] = bias[oc]! + w.data[i]! * a.shift[c]!;
      }
    }
  }
  conv.inputs = [bn.input(0), graph.newConstant(`${conv.name}_w_bn`, f32(w.shape, weights)), graph.newConstant(`${conv.name}_b_bn`, f32([m], bias))];
  toYhcConv(conv);
  absorb(conv, [bn]);
}

function toYhcConv(conv: Node): void {
  if (conv.domain === YHC_DOMAIN) return;
  conv.domain = YHC_DOMAIN;
  conv.attrs.set('activation', { type: 'string', value: 'none' });
}

/** No padding at all: the only case where a BN before the conv folds exactly. */
function hasNoPadding(conv: Node): boolean {
  const autoPad = autoPadOf(conv);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')
    return conv
      .input(1)
      .shape.slice(2)
      .every((k) => k === 1);
  return explicitPads(conv).every((p) => p === 0);
}

function foldBatchNorms(graph: Graph, log: PassLog): void {
  let uses = new Uses(graph);
  for (const bn of [...graph.nodes]) {
    if (bn.domain !== ONNX_DOMAIN || bn.opType !== 'BatchNormalization') continue;
    const a = affineOf(bn);
    if (!a || bn.outputs.length !== 1 || bn.input(0).dtype !== 'float32') {
      log.note(`${describeNode(bn)} left alone: its parameters are not float32 constants`);
      continue;
    }
    const x = bn.input(0);
    const conv = x.producer;
    if (isConv(conv) && conv.input(1).constant && (!conv.inputs[2] || conv.inputs[2].constant)) {
      if (uses.soleReader(x) === bn) {
        foldIntoConvBefore(graph, conv, bn, a);
        removeNodes(graph, [bn]);
        uses = new Uses(graph);
        log.count('BatchNormalization folded into the conv before it');
        continue;
      }
      log.note(`${describeNode(bn)} not folded into ${describeNode(conv)}: the conv's output is also read elsewhere`);
    }
    const readers = uses.of(bn.outputs[0]!);
    const next = readers[0];
    if (
      readers.length === 1 &&
      !uses.isGraphOutput(bn.outputs[0]!) &&
      isConv(next) &&
      next.input(0) === bn.outputs[0] &&
      next.input(1).constant &&
      (!next.inputs[2] || next.inputs[2].constant)
    ) {
      if (hasNoPadding(next)) {
        foldIntoConvAfter(graph, bn, next, a);
        removeNodes(graph, [bn]);
        uses = new Uses(graph);
        log.count('BatchNormalization folded into the conv after it');
        continue;
      }
      log.note(`${describeNode(bn)} not folded into ${describeNode(next)}: the conv zero-pads, and padding is not BN(x)`);
    }
    // Neither side: a per-channel affine op.
    bn.domain = YHC_DOMAIN;
    bn.opType = 'Affine';
    bn.attrs = new Map([['activation', { type: 'string', value: 'none' }]]);
    bn.inputs = [
      x,
      graph.newConstant(`${bn.name}_scale`, f32([a.scale.length], a.scale)),
      graph.newConstant(`${bn.name}_shift`, f32([a.shift.length], a.shift)),
    ];
    log.count('BatchNormalization → ai.yhc.Affine');
  }
}

export const foldBatchnorm: Pass = {
  name: 'fold-batchnorm',
  rule: 'bn(conv(x, W, b)) => conv(x, W*s, b*s + t); conv(bn(x), W, b) => conv(x, W*s, b + W.t) if unpadded; bn(x) => affine(x, s, t)',
  run(graph, log) {
    foldBatchNorms(graph, log);
    graph.toposort();
  },
};
