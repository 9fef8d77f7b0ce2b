import { describe, expect, it } from 'vitest';
import { foldBatchnorm } from '../../passes/fold_batchnorm.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Attr, Graph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/tensor.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { YHC, apply, expectLeftAlone, firedOf, float, int, ints, notesOf, str } from './norm_simam_dwpw_helpers.js';
import { f32 } from '../helpers/tensors.js';

// x [1, 4, 5, 5] → conv → 6 channels.
const [C, M, HW] = [4, 6, 5];
const EPS = 1e-3;

/** A BatchNormalization's parameters, with positive variances. */
function bnParams(n: number, seed: number) {
  const gamma = randomTensor([n], seed);
  const beta = randomTensor([n], seed + 1);
  const mean = randomTensor([n], seed + 2);
  const variance = Tensor.from(
    'float32',
    [n],
    Array.from(randomTensor([n], seed + 3).data, (v) => 0.5 + v * v),
  );
  // The folded per-channel affine, written out from the ONNX definition.
  const s = Array.from(gamma.data, (g, c) => g / Math.sqrt(variance.data[c]! + EPS));
  const t = Array.from(beta.data, (b, c) => b - mean.data[c]! * s[c]!);
  return { tensors: [gamma, beta, mean, variance], s, t };
}

function convAttrs(k: number, group = 1, pad = (k - 1) / 2): Record<string, Attr> {
  return { kernel_shape: ints([k, k]), pads: ints([pad, pad, pad, pad]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(group) };
}

class Net {
  readonly b = new GraphBuilder(17);
  readonly x = this.b.input('x', 'float32', [1, C, HW, HW]);

  bn(input: string, p: ReturnType<typeof bnParams>): string {
    return this.b.op('BatchNormalization', [input, ...p.tensors.map((t) => this.b.constant(t))], { epsilon: float(EPS) });
  }

  conv(input: string, w: Tensor, bias: Tensor | null, attrs: Record<string, Attr>, domain: 'onnx' | 'yhc' = 'onnx'): string {
    const inputs = [input, this.b.constant(w), ...(bias ? [this.b.constant(bias)] : [])];
    return domain === 'yhc' ? this.b.op('Conv', inputs, { ...attrs, activation: str('none') }, YHC) : this.b.op('Conv', inputs, attrs);
  }
}

function expectFolded(before: Graph, expected: Graph, fired = 1): void {
  const after = cloneGraph(before);
  const report = apply(after, foldBatchnorm);
  expect(firedOf(report, foldBatchnorm)).toBe(fired);
  expectGraphsEqual(after, expected);
  expectSameOutputs(before, after);
}

describe('fold-batchnorm', () => {
  it('folds_a_bn_after_a_conv_into_its_weights_and_bias', () => {
    const [w, bias, p] = [randomTensor([M, C, 3, 3], 1, 0.3), randomTensor([M], 2), bnParams(M, 10)];
    const n = new Net();
    n.b.output(n.bn(n.conv(n.x, w, bias, convAttrs(3)), p));
    const perOc = C * 9;
    const e = new Net();
    e.b.output(
      e.conv(
        e.x,
        f32(
          [M, C, 3, 3],
          Array.from(w.data, (v, i) => v * p.s[Math.floor(i / perOc)]!),
        ),
        f32(
          [M],
          Array.from(bias.data, (b, oc) => b * p.s[oc]! + p.t[oc]!),
        ),
        convAttrs(3),
        'yhc',
      ),
    );
    expectFolded(n.b.build(), e.b.build());
  });

  it('folds_a_bn_after_a_bias_free_depthwise_conv (the bias is the BN shift)', () => {
    const [w, p] = [randomTensor([C, 1, 3, 3], 3, 0.3), bnParams(C, 20)];
    const n = new Net();
    n.b.output(n.bn(n.conv(n.x, w, null, convAttrs(3, C)), p));
    const e = new Net();
    e.b.output(
      e.conv(
        e.x,
        f32(
          [C, 1, 3, 3],
          Array.from(w.data, (v, i) => v * p.s[Math.floor(i / 9)]!),
        ),
        f32([C], p.t),
        convAttrs(3, C),
        'yhc',
      ),
    );
    expectFolded(n.b.build(), e.b.build());
  });

  it('folds_a_bn_before_an_unpadded_grouped_1x1_conv (scale by input channel, shift into the bias)', () => {
    const group = 2;
    const [w, bias, p] = [randomTensor([M, C / group, 1, 1], 4, 0.3), randomTensor([M], 5), bnParams(C, 30)];
    const n = new Net();
    n.b.output(n.conv(n.bn(n.x, p), w, bias, convAttrs(1, group)));
    // Output channel oc of group g reads input channels g·C/group … : c = g·(C/group) + ic.
    const [cg, mg] = [C / group, M / group];
    const weights = Array.from(w.data, (v, i) => v * p.s[Math.floor(Math.floor(i / cg) / mg) * cg + (i % cg)]!);
    const folded = Array.from(bias.data, (b, oc) => {
      let sum = b;
      for (let ic = 0; ic < cg; ic++) sum += w.data[oc * cg + ic]! * p.t[Math.floor(oc / mg) * cg + ic]!;
      return sum;
    });
    const e = new Net();
    e.b.output(e.conv(e.x, f32([M, cg, 1, 1], weights), f32([M], folded), convAttrs(1, group), 'yhc'));
    expectFolded(n.b.build(), e.b.build());
  });

  it('turns_a_bn_next_to_no_conv_into_an_affine', () => {
    const p = bnParams(C, 40);
    const n = new Net();
    n.b.output(n.b.op('Relu', [n.bn(n.x, p)]));
    const e = new Net();
    e.b.output(e.b.op('Relu', [e.b.op('Affine', [e.x, e.b.constant(f32([C], p.s)), e.b.constant(f32([C], p.t))], { activation: str('none') }, YHC)]));
    expectFolded(n.b.build(), e.b.build());
  });

  it('keeps_the_name_of_a_bn_that_is_a_graph_output', () => {
    const n = new Net();
    n.b.output(n.bn(n.conv(n.x, randomTensor([M, C, 3, 3], 6, 0.3), null, convAttrs(3)), bnParams(M, 50)));
    const before = n.b.build();
    const name = before.outputs[0]!.name;
    const after = cloneGraph(before);
    apply(after, foldBatchnorm);
    expect(after.nodes.map((x) => x.opType)).toEqual(['Conv']);
    expect(after.outputs[0]!.name).toBe(name);
    expect(after.outputs[0]!.producer).toBe(after.nodes[0]);
    expectSameOutputs(before, after);
  });

  describe('leaves alone', () => {
    it('a_bn_before_a_zero_padded_conv (padding zeros are not BN(x)): it becomes an affine', () => {
      const p = bnParams(C, 60);
      const n = new Net();
      n.b.output(n.conv(n.bn(n.x, p), randomTensor([M, C, 3, 3], 7, 0.3), null, convAttrs(3)));
      const before = n.b.build();
      const after = cloneGraph(before);
      const report = apply(after, foldBatchnorm);
      expect(after.nodes.map((x) => `${x.domain}.${x.opType}`)).toEqual(['ai.yhc.Affine', '.Conv']);
      expect(notesOf(report, foldBatchnorm).join('\n')).toMatch(/zero-pads, and padding is not BN\(x\)/);
      expectSameOutputs(before, after);
    });

    it('a_conv_whose_output_is_also_read_elsewhere: the bn becomes an affine', () => {
      const n = new Net();
      const c = n.conv(n.x, randomTensor([M, C, 3, 3], 8, 0.3), null, convAttrs(3));
      n.b.output(n.bn(c, bnParams(M, 70)));
      n.b.output(c);
      const before = n.b.build();
      const after = cloneGraph(before);
      const report = apply(after, foldBatchnorm);
      expect(after.nodes.map((x) => `${x.domain}.${x.opType}`)).toEqual(['.Conv', 'ai.yhc.Affine']);
      expect(notesOf(report, foldBatchnorm).join('\n')).toMatch(/also read elsewhere/);
      expectSameOutputs(before, after);
    });

    it('a_bn_with_statistics_that_are_not_constants', () => {
      const n = new Net();
      const mean = n.b.input('mean', 'float32', [C]);
      const p = bnParams(C, 80).tensors.map((t) => n.b.constant(t));
      n.b.output(n.b.op('BatchNormalization', [n.x, p[0]!, p[1]!, mean, p[3]!], { epsilon: float(EPS) }));
      expectLeftAlone(n.b.build(), foldBatchnorm, /not float32 constants/);
    });
  });
});
