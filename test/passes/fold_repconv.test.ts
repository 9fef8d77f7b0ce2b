import { describe, expect, it } from 'vitest';
import { foldRepconv } from '../../passes/fold_repconv.js';
import { PASSES } from '../../passes/index.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Attr, Graph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/tensor.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { YHC, apply, expectLeftAlone, firedOf, float, int, ints, str } from './norm_simam_dwpw_helpers.js';
import { f32 } from '../helpers/tensors.js';

// x [1, 4, 6, 6]; every branch keeps 4 channels so an identity branch fits.
const [C, HW] = [4, 6];

function convAttrs(k: number, options: { group?: number; stride?: number; pads?: number[]; activation?: string } = {}): Record<string, Attr> {
  const p = (k - 1) / 2;
  const s = options.stride ?? 1;
  return {
    kernel_shape: ints([k, k]),
    pads: ints(options.pads ?? [p, p, p, p]),
    strides: ints([s, s]),
    dilations: ints([1, 1]),
    group: int(options.group ?? 1),
    activation: str(options.activation ?? 'none'),
  };
}

/** Weight [M, C/group, k, k] zero-padded into K x K around its centre: RepVGG's kernel padding, written out. */
function padKernel(w: Tensor, K: number): number[] {
  const [m, cg, k] = w.shape as [number, number, number, number];
  const out = new Array<number>(m * cg * K * K).fill(0);
  const o = (K - k) / 2;
  for (let a = 0; a < m; a++)
    for (let b = 0; b < cg; b++)
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) out[((a * cg + b) * K + y + o) * K + x + o] = w.data[((a * cg + b) * k + y) * k + x]!;
  return out;
}

/** A K x K kernel that multiplies each channel by scale[c] (the identity branch as a conv). */
function diagonalKernel(scale: readonly number[], channelsPerGroup: number, K: number): number[] {
  const out = new Array<number>(scale.length * channelsPerGroup * K * K).fill(0);
  const centre = (K - 1) / 2;
  scale.forEach((s, oc) => (out[((oc * channelsPerGroup + (oc % channelsPerGroup)) * K + centre) * K + centre] = s));
  return out;
}

const sum = (...xs: (readonly number[])[]) => xs[0]!.map((_, i) => xs.reduce((a, x) => a + x[i]!, 0));
const values = (t: Tensor) => Array.from(t.data);
const ones = (n: number) => new Array<number>(n).fill(1);

const w3 = randomTensor([C, C, 3, 3], 1, 0.3);
const b3 = randomTensor([C], 2);
const w1 = randomTensor([C, C, 1, 1], 3, 0.3);
const b1 = randomTensor([C], 4);
const scale = randomTensor([C], 5);
const shift = randomTensor([C], 6);

function expectFolded(before: Graph, expected: Graph, passes = [foldRepconv]): void {
  const after = cloneGraph(before);
  const report = apply(after, ...passes);
  expect(firedOf(report, foldRepconv)).toBe(1);
  expectGraphsEqual(after, expected);
  expectSameOutputs(before, after);
}

/** The expected result: one yhc Conv of x. */
function oneConv(weights: Tensor, bias: Tensor, attrs: Record<string, Attr>): Graph {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, C, HW, HW]);
  b.output(b.op('Conv', [x, b.constant(weights), b.constant(bias)], attrs, YHC));
  return b.build();
}

describe('fold-repconv', () => {
  it('folds_3x3_1x1_and_identity_affine_into_one_3x3 (RepConv)', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const c3 = b.op('Conv', [x, b.constant(w3), b.constant(b3)], convAttrs(3), YHC);
    const c1 = b.op('Conv', [x, b.constant(w1), b.constant(b1)], convAttrs(1), YHC);
    const id = b.op('Affine', [x, b.constant(scale), b.constant(shift)], { activation: str('none') }, YHC);
    b.output(b.op('Add', [b.op('Add', [c3, c1]), id]));
    const w = sum(values(w3), padKernel(w1, 3), diagonalKernel(values(scale), C, 3));
    expectFolded(b.build(), oneConv(f32([C, C, 3, 3], w), f32([C], sum(values(b3), values(b1), values(shift))), convAttrs(3)));
  });

  it('folds_depthwise_7x7_and_3x3 (RepVGGDW)', () => {
    const dw7 = randomTensor([C, 1, 7, 7], 7, 0.3);
    const dw3 = randomTensor([C, 1, 3, 3], 8, 0.3);
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const c7 = b.op('Conv', [x, b.constant(dw7), b.constant(b3)], convAttrs(7, { group: C }), YHC);
    const c3 = b.op('Conv', [x, b.constant(dw3), b.constant(b1)], convAttrs(3, { group: C }), YHC);
    b.output(b.op('Add', [c7, c3]));
    const w = sum(values(dw7), padKernel(dw3, 7));
    expectFolded(b.build(), oneConv(f32([C, 1, 7, 7], w), f32([C], sum(values(b3), values(b1))), convAttrs(7, { group: C })));
  });

  it('folds_a_plain_identity_branch (x + conv(x))', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    b.output(b.op('Add', [x, b.op('Conv', [x, b.constant(w3), b.constant(b3)], convAttrs(3), YHC)]));
    const w = sum(values(w3), diagonalKernel(ones(C), C, 3));
    expectFolded(b.build(), oneConv(f32([C, C, 3, 3], w), b3, convAttrs(3)));
  });

  it('folds_a_grouped_conv_with_identity (each channel taps itself within its group)', () => {
    const g2 = randomTensor([C, C / 2, 3, 3], 9, 0.3);
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const c = b.op('Conv', [x, b.constant(g2)], convAttrs(3, { group: 2 }), YHC);
    b.output(b.op('Add', [c, b.op('Affine', [x, b.constant(scale), b.constant(shift)], { activation: str('none') }, YHC)]));
    const w = sum(values(g2), diagonalKernel(values(scale), C / 2, 3));
    expectFolded(b.build(), oneConv(f32([C, C / 2, 3, 3], w), shift, convAttrs(3, { group: 2 })));
  });

  it('folds_strided_branches (3x3 and 1x1, both stride 2)', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const c3 = b.op('Conv', [x, b.constant(w3), b.constant(b3)], convAttrs(3, { stride: 2 }), YHC);
    const c1 = b.op('Conv', [x, b.constant(w1), b.constant(b1)], convAttrs(1, { stride: 2 }), YHC);
    b.output(b.op('Add', [c3, c1]));
    const w = sum(values(w3), padKernel(w1, 3));
    expectFolded(b.build(), oneConv(f32([C, C, 3, 3], w), f32([C], sum(values(b3), values(b1))), convAttrs(3, { stride: 2 })));
  });

  it('folds_the_exported_repconv_block_end_to_end (Conv+BN ∥ Conv+BN ∥ BN, then SiLU)', () => {
    // As torch exports RepConv in training form: three BatchNorms, two Adds, x·sigmoid(x).
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const bn = (v: string, seed: number) =>
      b.op(
        'BatchNormalization',
        [
          v,
          ...[0, 1, 2].map((k) => b.constant(randomTensor([C], seed + k))),
          b.constant(
            f32(
              [C],
              values(randomTensor([C], seed + 3)).map((v) => 0.5 + v * v),
            ),
          ),
        ],
        { epsilon: float(1e-3) },
      );
    const onnxConv = (w: Tensor, k: number) => b.op('Conv', [x, b.constant(w)], { kernel_shape: ints([k, k]), pads: ints(new Array(4).fill((k - 1) / 2)) });
    const s = b.op('Add', [b.op('Add', [bn(onnxConv(w3, 3), 10), bn(onnxConv(w1, 1), 20)]), bn(x, 30)]);
    b.output(b.op('Mul', [s, b.op('Sigmoid', [s])]));
    const before = b.build();
    const after = cloneGraph(before);
    const report = apply(after, ...PASSES);
    expect(firedOf(report, foldRepconv)).toBe(1);
    expect(after.nodes.map((n) => `${n.domain}.${n.opType}`)).toEqual(['ai.yhc.Conv']);
    expect(after.nodes[0]!.attrs.get('activation')).toEqual(str('silu'));
    expectSameOutputs(before, after);
  });

  it('runs_after_fold_batchnorm_in_the_pipeline', () => {
    const names = PASSES.map((p) => p.name);
    expect(names.indexOf('fold-repconv')).toBeGreaterThan(names.indexOf('fold-batchnorm'));
  });

  describe('leaves alone', () => {
    function twoConvs(a: Record<string, Attr>, c: Record<string, Attr>, options: { alsoOutput?: boolean } = {}): Graph {
      const b = new GraphBuilder(17);
      const x = b.input('x', 'float32', [1, C, HW, HW]);
      const c3 = b.op('Conv', [x, b.constant(w3), b.constant(b3)], a, YHC);
      const c1 = b.op('Conv', [x, b.constant(w1), b.constant(b1)], c, YHC);
      b.output(b.op('Add', [c3, c1]));
      if (options.alsoOutput) b.output(c1);
      return b.build();
    }

    it('convs_with_different_dilations', () => {
      // 3x3 dilated by 2 (pad 2) and a 1x1 both give 6x6, but the dilated taps do not line up.
      const dilated = { ...convAttrs(3, { pads: [2, 2, 2, 2] }), dilations: ints([2, 2]) };
      expectLeftAlone(twoConvs(dilated, convAttrs(1)), foldRepconv, /differ in stride, dilation or groups/);
    });

    it('a_conv_padded_off_centre', () => {
      // pads [0,0,2,2] keeps the 6x6 output but shifts the window: no longer a centred 3x3.
      expectLeftAlone(twoConvs(convAttrs(3, { pads: [0, 0, 2, 2] }), convAttrs(1)), foldRepconv, /symmetrically around its kernel centre/);
    });

    it('a_branch_that_is_read_elsewhere', () => {
      expectLeftAlone(twoConvs(convAttrs(3), convAttrs(1), { alsoOutput: true }), foldRepconv, /also read elsewhere/);
    });

    it('a_branch_with_an_activation', () => {
      expectLeftAlone(twoConvs(convAttrs(3), convAttrs(1, { activation: 'silu' })), foldRepconv, /applies an activation/);
    });

    it('a_summand_that_is_not_a_branch_of_the_common_input', () => {
      const b = new GraphBuilder(17);
      const x = b.input('x', 'float32', [1, C, HW, HW]);
      const y = b.input('y', 'float32', [1, C, HW, HW]);
      b.output(b.op('Add', [b.op('Conv', [x, b.constant(w3), b.constant(b3)], convAttrs(3), YHC), y]));
      expectLeftAlone(b.build(), foldRepconv, /not a conv, affine or identity of the common input/);
    });
  });
});
