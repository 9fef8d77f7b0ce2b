import { describe, expect, it } from 'vitest';
import { fuseResidual } from '../../passes/fuse_residual.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Attr, Graph } from '../../src/ir/graph.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { YHC, apply, expectLeftAlone, firedOf, int, ints, str } from './norm_simam_dwpw_helpers.js';

/**
 * fuse-residual: Add(ai.yhc.Conv(x, W, b), skip) → ai.yhc.Conv(x, W, b, residual = skip), the
 * bottleneck's skip connection in the conv's epilogue. Before/after graphs, the interpreter's
 * numbers before and after, and the near-misses it leaves alone with their reasons.
 */
const [C, HW] = [4, 6];

const conv = (k: number, group = 1, activation = 'silu'): Record<string, Attr> => ({
  kernel_shape: ints([k, k]),
  pads: ints([(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2]),
  group: int(group),
  activation: str(activation),
});

class Net {
  readonly b = new GraphBuilder(17);
  readonly x = this.b.input('x', 'float32', [1, C, HW, HW]);
  private seed = 1;

  conv(input: string, k = 3, group = 1, residual?: string): string {
    const w = this.b.constant(randomTensor([C, C / group, k, k], this.seed++, 0.3));
    const bias = this.b.constant(randomTensor([C], this.seed++));
    return this.b.op('Conv', [input, w, bias, ...(residual ? [residual] : [])], conv(k, group), YHC);
  }
}

function expectFused(before: Graph, expected: Graph, fired = 1): void {
  const after = cloneGraph(before);
  const report = apply(after, fuseResidual);
  expect(firedOf(report, fuseResidual)).toBe(fired);
  expectGraphsEqual(after, expected);
  expectSameOutputs(before, after);
}

describe('fuse-residual', () => {
  it('folds_a_bottleneck_add_into_its_second_conv', () => {
    // x + cv2(cv1(x)), as C2f's Bottleneck exports it.
    const before = new Net();
    before.b.output(before.b.op('Add', [before.x, before.conv(before.conv(before.x))]));
    const expected = new Net();
    expected.b.output(expected.conv(expected.conv(expected.x), 3, 1, expected.x));
    expectFused(before.b.build(), expected.b.build());
  });

  it('folds_with_the_conv_on_the_left_and_a_depthwise_conv', () => {
    const before = new Net();
    const y = before.conv(before.x, 1);
    before.b.output(before.b.op('Add', [before.conv(y, 3, C), y]));
    const expected = new Net();
    const e = expected.conv(expected.x, 1);
    expected.b.output(expected.conv(e, 3, C, e));
    expectFused(before.b.build(), expected.b.build());
  });

  it('chained_bottlenecks_each_fold', () => {
    const before = new Net();
    const a = before.b.op('Add', [before.x, before.conv(before.x)]);
    before.b.output(before.b.op('Add', [a, before.conv(a)]));
    const expected = new Net();
    const e = expected.conv(expected.x, 3, 1, expected.x);
    expected.b.output(expected.conv(e, 3, 1, e));
    expectFused(before.b.build(), expected.b.build(), 2);
  });

  it('leaves_an_add_whose_conv_result_is_also_read_elsewhere', () => {
    const n = new Net();
    const y = n.conv(n.x);
    n.b.output(n.b.op('Add', [n.x, y]));
    n.b.output(n.b.op('Relu', [y]));
    expectLeftAlone(n.b.build(), fuseResidual, /also read elsewhere/);
  });

  it('leaves_an_add_with_a_broadcast_summand', () => {
    const n = new Net();
    n.b.output(n.b.op('Add', [n.conv(n.x), n.b.constant(randomTensor([1, C, 1, 1], 9))]));
    expectLeftAlone(n.b.build(), fuseResidual, /a summand is broadcast/);
  });

  it('leaves_an_add_after_a_conv_that_already_adds_a_residual', () => {
    const n = new Net();
    n.b.output(n.b.op('Add', [n.conv(n.x, 3, 1, n.x), n.x]));
    expectLeftAlone(n.b.build(), fuseResidual, /already adds a residual/);
  });
});
