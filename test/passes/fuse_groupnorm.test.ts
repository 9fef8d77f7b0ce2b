import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../passes/canonicalize.js';
import { fuseGroupnorm } from '../../passes/fuse_groupnorm.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Graph } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/tensor.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { YHC, apply, expectLeftAlone, f32, filled, firedOf, float, i64, int, ints, scalar, str } from './norm_simam_dwpw_helpers.js';

// x [1, 8, 3, 4] in 2 groups of 4 channels.
const [N, C, H, W, G] = [1, 8, 3, 4, 2];
const EPS = 1e-5;
const gamma = randomTensor([C, 1, 1], 1);
const beta = randomTensor([C, 1, 1], 2);
const perChannel = (t: Tensor) => f32([C], t.data);

/** torch's export of nn.GroupNorm: Reshape → InstanceNormalization → Reshape → Mul γ → Add β. */
function torchGroupNorm(
  options: { affine?: boolean; gamma?: Tensor; groupedShape?: number[]; inScale?: Tensor; extraReader?: 'grouped' | 'normalized'; opset?: number } = {},
): Graph {
  const b = new GraphBuilder(options.opset ?? 17);
  const x = b.input('x', 'float32', [N, C, H, W]);
  const grouped = options.groupedShape ?? [0, G, -1];
  const r = b.op('Reshape', [x, b.constant(i64(grouped))]);
  const groups = grouped[1]!;
  const n = b.op('InstanceNormalization', [r, b.constant(options.inScale ?? filled([groups], 1)), b.constant(filled([groups], 0))], { epsilon: float(EPS) });
  let y = b.op('Reshape', [n, b.constant(i64([N, C, H, W]))]);
  if (options.affine ?? true) {
    y = b.op('Mul', [y, b.constant(options.gamma ?? gamma)]);
    y = b.op('Add', [y, b.constant(beta)]);
  }
  b.output(y);
  if (options.extraReader === 'grouped') b.output(b.op('Relu', [r]));
  if (options.extraReader === 'normalized') b.output(b.op('Relu', [n]));
  return b.build();
}

/** The primitive form: mean, deviation, variance, Div by Sqrt(var + ε) on the grouped view. */
function primitiveGroupNorm(square: 'pow' | 'mul', axis: number, opset = 17): Graph {
  const b = new GraphBuilder(opset);
  const x = b.input('x', 'float32', [N, C, H, W]);
  const r = b.op('Reshape', [x, b.constant(i64([0, G, -1]))]);
  const mean = (v: string) =>
    opset >= 18 ? b.op('ReduceMean', [v, b.constant(i64([axis]))], { keepdims: int(1) }) : b.op('ReduceMean', [v], { axes: ints([axis]), keepdims: int(1) });
  const d = b.op('Sub', [r, mean(r)]);
  const sq = square === 'pow' ? b.op('Pow', [d, b.constant(scalar(2))]) : b.op('Mul', [d, d]);
  const std = b.op('Sqrt', [b.op('Add', [mean(sq), b.constant(scalar(EPS))])]);
  const normalized = b.op('Div', [d, std]);
  const back = b.op('Reshape', [normalized, b.constant(i64([N, C, H, W]))]);
  b.output(b.op('Add', [b.op('Mul', [back, b.constant(gamma)]), b.constant(beta)]));
  return b.build();
}

/** What every form becomes: one ai.yhc.GroupNorm. */
function expectedGroupNorm(scale: Tensor, bias: Tensor, groups = G, activation = 'none', opset = 17): Graph {
  const b = new GraphBuilder(opset);
  const x = b.input('x', 'float32', [N, C, H, W]);
  b.output(b.op('GroupNorm', [x, b.constant(scale), b.constant(bias)], { num_groups: int(groups), epsilon: float(EPS), activation: str(activation) }, YHC));
  return b.build();
}

function expectFusedTo(before: Graph, expected: Graph, ...passes: Parameters<typeof apply>[1][]): void {
  const after = cloneGraph(before);
  const report = apply(after, ...(passes.length ? passes : [fuseGroupnorm]));
  expect(firedOf(report, fuseGroupnorm)).toBe(1);
  expectGraphsEqual(after, expected);
  expectSameOutputs(before, after);
}

describe('fuse-groupnorm', () => {
  it('fuses_torch_decomposition_with_affine', () => {
    expectFusedTo(torchGroupNorm(), expectedGroupNorm(perChannel(gamma), perChannel(beta)));
  });

  it('fuses_torch_decomposition_without_affine_as_unit_scale', () => {
    expectFusedTo(torchGroupNorm({ affine: false }), expectedGroupNorm(filled([C], 1), filled([C], 0)));
  });

  it('fuses_decomposition_with_a_scalar_gamma_broadcast_to_every_channel', () => {
    expectFusedTo(torchGroupNorm({ gamma: scalar(1.5) }), expectedGroupNorm(filled([C], 1.5), perChannel(beta)));
  });

  it.each([
    ['pow', 2, 17],
    ['mul', -1, 17],
    ['pow', -1, 18],
  ] as const)('fuses_primitive_form (square by %s, axis %d, opset %d)', (square, axis, opset) => {
    expectFusedTo(primitiveGroupNorm(square, axis, opset), expectedGroupNorm(perChannel(gamma), perChannel(beta), G, 'none', opset));
  });

  it('fuses_group_normalization_18_expanding_per_group_scale_to_channels', () => {
    const b = new GraphBuilder(18);
    const x = b.input('x', 'float32', [N, C, H, W]);
    b.output(b.op('GroupNormalization', [x, b.constant(f32([G], [2, 3])), b.constant(f32([G], [-1, 1]))], { num_groups: int(G), epsilon: float(EPS) }));
    const expected = expectedGroupNorm(f32([C], [2, 2, 2, 2, 3, 3, 3, 3]), f32([C], [-1, -1, -1, -1, 1, 1, 1, 1]), G, 'none', 18);
    expectFusedTo(b.build(), expected);
  });

  it('fuses_group_normalization_21_with_per_channel_scale', () => {
    const b = new GraphBuilder(21);
    const x = b.input('x', 'float32', [N, C, H, W]);
    b.output(b.op('GroupNormalization', [x, b.constant(perChannel(gamma)), b.constant(perChannel(beta))], { num_groups: int(G), epsilon: float(EPS) }));
    expectFusedTo(b.build(), expectedGroupNorm(perChannel(gamma), perChannel(beta), G, 'none', 21));
  });

  it('turns_standalone_instance_normalization_into_groupnorm_with_one_group_per_channel', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [N, C, H, W]);
    b.output(b.op('InstanceNormalization', [x, b.constant(perChannel(gamma)), b.constant(perChannel(beta))], { epsilon: float(EPS) }));
    expectFusedTo(b.build(), expectedGroupNorm(perChannel(gamma), perChannel(beta), C));
  });

  it('lets_canonicalize_attach_a_following_silu', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [N, C, H, W]);
    const r = b.op('Reshape', [x, b.constant(i64([0, G, -1]))]);
    const n = b.op('InstanceNormalization', [r, b.constant(filled([G], 1)), b.constant(filled([G], 0))], { epsilon: float(EPS) });
    const y = b.op('Add', [b.op('Mul', [b.op('Reshape', [n, b.constant(i64([N, C, H, W]))]), b.constant(gamma)]), b.constant(beta)]);
    b.output(b.op('Mul', [y, b.op('Sigmoid', [y])]));
    expectFusedTo(b.build(), expectedGroupNorm(perChannel(gamma), perChannel(beta), G, 'silu'), canonicalize, fuseGroupnorm, canonicalize);
  });

  it('does_not_fuse_groupnorm_with_per_group_gamma', () => {
    // γ applied per group on the grouped view, before reshaping back: not torch's form.
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [N, C, H, W]);
    const r = b.op('Reshape', [x, b.constant(i64([0, G, -1]))]);
    const n = b.op('InstanceNormalization', [r, b.constant(filled([G], 1)), b.constant(filled([G], 0))], { epsilon: float(EPS) });
    const scaled = b.op('Mul', [n, b.constant(f32([G, 1], [2, 3]))]);
    b.output(b.op('Reshape', [scaled, b.constant(i64([N, C, H, W]))]));
    expectLeftAlone(b.build(), fuseGroupnorm, /not \(only\) reshaped back/);
  });

  it('does_not_fuse_groupnorm_with_gamma_along_the_width', () => {
    expectLeftAlone(torchGroupNorm({ gamma: randomTensor([W], 3) }), fuseGroupnorm, /γ .* has shape \[4\], not one value per channel/);
  });

  it('does_not_fuse_groupnorm_with_non_unit_instance_norm_scale', () => {
    expectLeftAlone(torchGroupNorm({ inScale: f32([G], [1, 2]) }), fuseGroupnorm, /scale is not all ones/);
  });

  it('does_not_fuse_groupnorm_when_the_reshape_does_not_split_channels', () => {
    // 96 elements as [1, 3, 32]: 3 does not divide the 8 channels.
    expectLeftAlone(torchGroupNorm({ groupedShape: [1, 3, 32] }), fuseGroupnorm, /does not split the channels/);
  });

  it('does_not_fuse_groupnorm_when_the_grouped_view_is_read_elsewhere', () => {
    expectLeftAlone(torchGroupNorm({ extraReader: 'grouped' }), fuseGroupnorm, /grouped reshape is also read elsewhere/);
  });

  it('does_not_fuse_groupnorm_when_the_normalized_groups_are_read_elsewhere', () => {
    expectLeftAlone(torchGroupNorm({ extraReader: 'normalized' }), fuseGroupnorm, /not \(only\) reshaped back/);
  });

  it('does_not_fuse_primitive_form_averaging_over_another_axis', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [N, C, H, W]);
    const r = b.op('Reshape', [x, b.constant(i64([0, G, -1]))]);
    const d = b.op('Sub', [r, b.op('ReduceMean', [r], { axes: ints([1]), keepdims: int(1) })]);
    const v = b.op('ReduceMean', [b.op('Mul', [d, d])], { axes: ints([1]), keepdims: int(1) });
    const n = b.op('Div', [d, b.op('Sqrt', [b.op('Add', [v, b.constant(scalar(EPS))])])]);
    b.output(b.op('Reshape', [n, b.constant(i64([N, C, H, W]))]));
    expectLeftAlone(b.build(), fuseGroupnorm, /does not average over the last axis/);
  });

  it('keeps_a_gamma_mul_whose_input_is_also_read_elsewhere_outside_the_groupnorm', () => {
    // The reshaped-back value is read twice: the GroupNorm ends there (unit affine), the Mul/Add stay.
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [N, C, H, W]);
    const r = b.op('Reshape', [x, b.constant(i64([0, G, -1]))]);
    const n = b.op('InstanceNormalization', [r, b.constant(filled([G], 1)), b.constant(filled([G], 0))], { epsilon: float(EPS) });
    const back = b.op('Reshape', [n, b.constant(i64([N, C, H, W]))]);
    b.output(b.op('Add', [b.op('Mul', [back, b.constant(gamma)]), b.constant(beta)]));
    b.output(back);
    const e = new GraphBuilder(17);
    const ex = e.input('x', 'float32', [N, C, H, W]);
    const gn = e.op(
      'GroupNorm',
      [ex, e.constant(filled([C], 1)), e.constant(filled([C], 0))],
      { num_groups: int(G), epsilon: float(EPS), activation: str('none') },
      YHC,
    );
    e.output(e.op('Add', [e.op('Mul', [gn, e.constant(gamma)]), e.constant(beta)]));
    e.output(gn);
    // The new node is appended, then the graph re-sorted: it comes before its readers.
    expectFusedTo(b.build(), e.build());
  });
});
