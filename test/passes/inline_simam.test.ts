import { describe, expect, it } from 'vitest';
import { inlineSimam } from '../../passes/inline_simam.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Graph } from '../../src/ir/graph.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { YHC, apply, expectLeftAlone, firedOf, float, i64, int, ints, scalar } from './norm_simam_dwpw_helpers.js';

const [N, C, H, W] = [2, 3, 4, 5];
const LAMBDA = 1e-4;

interface SimamVariant {
  /** Pow(s, 2) as exported by torch's .pow(2), or s·s. */
  square?: 'pow' | 'mul';
  axes?: number[];
  divisor?: number;
  four?: number;
  half?: number;
  /** Write the commutative ops with their operands the other way round. */
  swapped?: boolean;
  opset?: number;
  /** A value inside the pattern that is also a graph output. */
  leak?: 'energy' | 'mean';
}

/** SimAM as torch exports it (official form unless a variant says otherwise). */
function simamGraph(v: SimamVariant = {}): Graph {
  const opset = v.opset ?? 17;
  const axes = v.axes ?? [2, 3];
  const b = new GraphBuilder(opset);
  const x = b.input('x', 'float32', [N, C, H, W]);
  const c = (value: number) => b.constant(scalar(value));
  const mean =
    opset >= 18 ? b.op('ReduceMean', [x, b.constant(i64(axes))], { keepdims: int(1) }) : b.op('ReduceMean', [x], { axes: ints(axes), keepdims: int(1) });
  const s = b.op('Sub', [x, mean]);
  const d = v.square === 'mul' ? b.op('Mul', [s, s]) : b.op('Pow', [s, c(2)]);
  const sum = b.op('ReduceSum', [d, b.constant(i64(axes))], { keepdims: int(1) });
  const variance = b.op('Div', [sum, c(v.divisor ?? H * W - 1)]);
  const pair = (p: string, q: string) => (v.swapped ? [q, p] : [p, q]);
  const regularized = b.op('Add', pair(variance, c(LAMBDA)));
  const denominator = b.op('Mul', pair(regularized, c(v.four ?? 4)));
  const energy = b.op('Div', [d, denominator]);
  const y = b.op('Add', pair(energy, c(v.half ?? 0.5)));
  b.output(b.op('Mul', pair(x, b.op('Sigmoid', [y]))));
  if (v.leak === 'energy') b.output(energy);
  if (v.leak === 'mean') b.output(mean);
  return b.build();
}

function expectedSimam(opset = 17): Graph {
  const b = new GraphBuilder(opset);
  const x = b.input('x', 'float32', [N, C, H, W]);
  b.output(b.op('SimAM', [x], { lambda: float(LAMBDA) }, YHC));
  return b.build();
}

function expectInlined(before: Graph, expected: Graph): void {
  const after = cloneGraph(before);
  const report = apply(after, inlineSimam);
  expect(firedOf(report, inlineSimam)).toBe(1);
  expectGraphsEqual(after, expected);
  expectSameOutputs(before, after);
}

describe('inline-simam', () => {
  it('inlines_simam_squared_with_pow', () => {
    expectInlined(simamGraph(), expectedSimam());
  });

  it('inlines_simam_squared_with_mul', () => {
    expectInlined(simamGraph({ square: 'mul' }), expectedSimam());
  });

  it('inlines_simam_with_commuted_operands', () => {
    expectInlined(simamGraph({ swapped: true }), expectedSimam());
  });

  it('inlines_simam_with_negative_axes', () => {
    expectInlined(simamGraph({ axes: [-2, -1] }), expectedSimam());
  });

  it('inlines_simam_at_opset_18_where_reduce_mean_takes_axes_as_an_input', () => {
    expectInlined(simamGraph({ opset: 18 }), expectedSimam(18));
  });

  it('reads_lambda_from_the_graph', () => {
    const after = simamGraph();
    apply(after, inlineSimam);
    const lambda = after.nodes[0]!.attrs.get('lambda');
    expect(lambda).toEqual({ type: 'float', value: Math.fround(LAMBDA) });
  });

  it('leaves_simam_lookalike_over_channel_axis', () => {
    expectLeftAlone(simamGraph({ axes: [1], divisor: C - 1 }), inlineSimam, /does not average over exactly the spatial axes/);
  });

  it('leaves_simam_lookalike_over_one_spatial_axis', () => {
    expectLeftAlone(simamGraph({ axes: [3], divisor: W - 1 }), inlineSimam, /does not average over exactly the spatial axes/);
  });

  it('leaves_simam_lookalike_with_divisor_hw', () => {
    expectLeftAlone(simamGraph({ divisor: H * W }), inlineSimam, /divided by 20, not h·w − 1 = 19/);
  });

  it('leaves_simam_lookalike_with_another_constant_than_4', () => {
    expectLeftAlone(simamGraph({ four: 2 }), inlineSimam, /not multiplied by 4 \(by 2\)/);
  });

  it('leaves_simam_lookalike_with_another_constant_than_half', () => {
    expectLeftAlone(simamGraph({ half: 0.25 }), inlineSimam, /0\.5 is not added to the energy \(0\.25 is\)/);
  });

  it('does_not_inline_simam_when_the_energy_is_read_elsewhere', () => {
    expectLeftAlone(simamGraph({ leak: 'energy' }), inlineSimam, /intermediate value .* is also read elsewhere/);
  });

  it('does_not_inline_simam_when_the_mean_is_read_elsewhere', () => {
    expectLeftAlone(simamGraph({ leak: 'mean' }), inlineSimam, /intermediate value .* is also read elsewhere/);
  });

  it('ignores_reduce_means_that_start_no_simam', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [N, C, H, W]);
    b.output(b.op('Sub', [x, b.op('ReduceMean', [x], { axes: ints([2, 3]), keepdims: int(1) })]));
    const g = b.build();
    const report = apply(g, inlineSimam);
    expect(firedOf(report, inlineSimam)).toBe(0);
    expect(report.passes[0]!.notes).toEqual([]);
  });
});
