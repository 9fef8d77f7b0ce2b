import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../passes/canonicalize.js';
import { groupDwPw } from '../../passes/group_dw_pw.js';
import type { Pass } from '../../passes/pass.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Attr, Graph } from '../../src/ir/graph.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { YHC, apply, expectLeftAlone, firedOf, float, int, ints, str } from './norm_simam_dwpw_helpers.js';

// x [1, 4, 6, 6] → depthwise 3x3 (4 channels) → pointwise 1x1 (4 → 6 channels).
const [C, M, HW] = [4, 6, 6];
const dwWeight = randomTensor([C, 1, 3, 3], 1, 0.5);
const dwBias = randomTensor([C], 2);
const pwWeight = randomTensor([M, C, 1, 1], 3, 0.5);
const pwBias = randomTensor([M], 4);
const dwNormScale = randomTensor([C], 5);
const dwNormBias = randomTensor([C], 6);
const pwNormScale = randomTensor([M], 7);
const pwNormBias = randomTensor([M], 8);
const EPS = 1e-5;

const DW_3X3: Record<string, Attr> = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(C) };
const PW_1X1: Record<string, Attr> = { kernel_shape: ints([1, 1]), pads: ints([0, 0, 0, 0]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(1) };

/** A small graph of yhc ops (what group-dw-pw sees after canonicalize and fuse-groupnorm). */
class Head {
  readonly b = new GraphBuilder(17);
  readonly x = this.b.input('x', 'float32', [1, C, HW, HW]);

  conv(input: string, weight: string, bias: string | null, attrs: Record<string, Attr>, activation = 'none'): string {
    return this.b.op('Conv', bias ? [input, weight, bias] : [input, weight], { ...attrs, activation: str(activation) }, YHC);
  }

  norm(input: string, scale: string, bias: string, groups: number, activation = 'none'): string {
    return this.b.op('GroupNorm', [input, scale, bias], { num_groups: int(groups), epsilon: float(EPS), activation: str(activation) }, YHC);
  }

  const(t: Parameters<GraphBuilder['constant']>[0]): string {
    return this.b.constant(t);
  }

  dwpw(inputs: string[], attrs: Record<string, Attr>): string {
    return this.b.op('DwPw', inputs, attrs, YHC);
  }
}

const DWPW_3X3: Record<string, Attr> = { kernel_shape: ints([3, 3]), strides: ints([1, 1]), pads: ints([1, 1, 1, 1]), dilations: ints([1, 1]) };

function dwpwAttrs(dwActivation: string, pwActivation: string, dwGroups: number, pwGroups: number, geometry = DWPW_3X3): Record<string, Attr> {
  return {
    ...geometry,
    dw_activation: str(dwActivation),
    pw_activation: str(pwActivation),
    dw_norm_groups: int(dwGroups),
    pw_norm_groups: int(pwGroups),
    ...(dwGroups ? { dw_norm_epsilon: float(EPS) } : {}),
    ...(pwGroups ? { pw_norm_epsilon: float(EPS) } : {}),
  };
}

/** dw conv + GroupNorm(2 groups) + SiLU → pw conv + GroupNorm(3 groups) + SiLU, as in the improved head. */
function normedHead(
  options: { readElsewhere?: 'dw' | 'dwNorm' | 'pw'; pwAttrs?: Record<string, Attr>; pwWeight?: typeof pwWeight; activationFirst?: boolean } = {},
): Graph {
  const h = new Head();
  const dw = h.conv(h.x, h.const(dwWeight), null, DW_3X3, options.activationFirst ? 'silu' : 'none');
  const dwn = h.norm(dw, h.const(dwNormScale), h.const(dwNormBias), 2, options.activationFirst ? 'none' : 'silu');
  const pw = h.conv(dwn, h.const(options.pwWeight ?? pwWeight), null, options.pwAttrs ?? PW_1X1);
  const pwn = h.norm(pw, h.const(pwNormScale), h.const(pwNormBias), 3, 'silu');
  h.b.output(pwn);
  if (options.readElsewhere) h.b.output({ dw, dwNorm: dwn, pw }[options.readElsewhere]);
  return h.b.build();
}

function expectGrouped(before: Graph, expected: Graph, passes: Pass[] = [groupDwPw]): void {
  const after = cloneGraph(before);
  const report = apply(after, ...passes);
  expect(firedOf(report, groupDwPw)).toBe(1);
  expectGraphsEqual(after, expected);
  expectSameOutputs(before, after);
}

describe('group-dw-pw', () => {
  it('groups_dw_silu_and_pw_silu_after_canonicalize', () => {
    // ONNX as the stock head exports it (BN folded): Conv → x·Sigmoid(x), twice.
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const silu = (v: string) => b.op('Mul', [v, b.op('Sigmoid', [v])]);
    const dw = silu(b.op('Conv', [x, b.constant(dwWeight), b.constant(dwBias)], DW_3X3));
    b.output(silu(b.op('Conv', [dw, b.constant(pwWeight), b.constant(pwBias)], PW_1X1)));
    const h = new Head();
    h.b.output(h.dwpw([h.x, h.const(dwWeight), h.const(dwBias), '', '', h.const(pwWeight), h.const(pwBias)], dwpwAttrs('silu', 'silu', 0, 0)));
    expectGrouped(b.build(), h.b.build(), [canonicalize, groupDwPw]);
  });

  it('groups_dw_groupnorm_and_pw_groupnorm', () => {
    const h = new Head();
    const inputs = [h.x, h.const(dwWeight), '', h.const(dwNormScale), h.const(dwNormBias), h.const(pwWeight), '', h.const(pwNormScale), h.const(pwNormBias)];
    h.b.output(h.dwpw(inputs, dwpwAttrs('silu', 'silu', 2, 3)));
    expectGrouped(normedHead(), h.b.build());
  });

  it('groups_a_strided_dw_resolving_auto_pad_into_pads', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const dw = b.op('Conv', [x, b.constant(dwWeight)], { group: int(C), strides: ints([2, 2]), auto_pad: str('SAME_UPPER') });
    b.output(b.op('Conv', [dw, b.constant(pwWeight), b.constant(pwBias)], {}));
    const h = new Head();
    const geometry = { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([0, 0, 1, 1]), dilations: ints([1, 1]) };
    h.b.output(h.dwpw([h.x, h.const(dwWeight), '', '', '', h.const(pwWeight), h.const(pwBias)], dwpwAttrs('none', 'none', 0, 0, geometry)));
    expectGrouped(b.build(), h.b.build(), [canonicalize, groupDwPw]);
  });

  it('ends_at_the_pw_conv_when_its_output_is_read_elsewhere_than_by_its_norm', () => {
    const h = new Head();
    const pw = h.dwpw([h.x, h.const(dwWeight), '', h.const(dwNormScale), h.const(dwNormBias), h.const(pwWeight)], dwpwAttrs('silu', 'none', 2, 0));
    h.b.output(h.norm(pw, h.const(pwNormScale), h.const(pwNormBias), 3, 'silu'));
    h.b.output(pw);
    expectGrouped(normedHead({ readElsewhere: 'pw' }), h.b.build());
  });

  it('does_not_group_when_dw_output_is_read_elsewhere', () => {
    expectLeftAlone(normedHead({ readElsewhere: 'dw' }), groupDwPw, /its output is read by .*GroupNorm.* and elsewhere/);
  });

  it('does_not_group_when_the_dw_norm_output_is_read_elsewhere', () => {
    expectLeftAlone(normedHead({ readElsewhere: 'dwNorm' }), groupDwPw, /its GroupNorm is also read elsewhere/);
  });

  it('does_not_group_when_the_activation_comes_before_the_norm', () => {
    expectLeftAlone(normedHead({ activationFirst: true }), groupDwPw, /applies its activation before/);
  });

  it('does_not_group_with_a_strided_pointwise_conv', () => {
    expectLeftAlone(normedHead({ pwAttrs: { ...PW_1X1, strides: ints([2, 2]) } }), groupDwPw, /is strided/);
  });

  it('does_not_group_with_a_grouped_pointwise_conv', () => {
    expectLeftAlone(normedHead({ pwAttrs: { ...PW_1X1, group: int(2) }, pwWeight: randomTensor([M, C / 2, 1, 1], 9) }), groupDwPw, /is grouped/);
  });

  it('does_not_group_a_dense_conv_with_a_pointwise_conv', () => {
    const h = new Head();
    const dense = h.conv(h.x, h.const(randomTensor([C, C, 3, 3], 10)), null, { ...DW_3X3, group: int(1) }, 'silu');
    h.b.output(h.conv(dense, h.const(pwWeight), null, PW_1X1));
    const g = h.b.build();
    const report = apply(g, groupDwPw);
    expect(firedOf(report, groupDwPw)).toBe(0);
    expect(report.passes[0]!.notes).toEqual([]);
  });
});
