import { describe, expect, it } from 'vitest';
import { H100, planCost, type GpuCeilings } from '../../codegen/cost_model.js';
import { planGraph } from '../../codegen/plan.js';
import { inspectModel } from '../../src/inspect.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { fixture } from '../helpers/paths.js';

/** A card with round numbers: 1 byte/µs and 1 FLOP/µs make the floors easy to read. */
const UNIT: GpuCeilings = { name: 'unit', bytesPerSecond: 1e6, flopsPerSecond: 1e6, source: 'test' };

describe('cost model', () => {
  it('floors each kernel at the larger of its traffic and compute time', () => {
    // Conv 3x3 (4 → 8 channels, 6x6, with bias) then Relu; the graph output is the Relu's.
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, 4, 6, 6]);
    const c = b.op('Conv', [x, b.constant(randomTensor([8, 4, 3, 3], 1)), b.constant(randomTensor([8], 2))], {
      kernel_shape: { type: 'ints', value: [3, 3] },
      pads: { type: 'ints', value: [1, 1, 1, 1] },
    });
    b.output(b.op('Relu', [c]));
    const cost = planCost(planGraph(b.build()), UNIT);
    const [conv, relu] = cost.kernels;
    // conv: reads x (144 floats), w (288), bias (8); writes 288 floats.
    expect(conv!.bytes).toBe(4 * (144 + 288 + 8 + 288));
    expect(conv!.flops).toBe(2 * 288 * 4 * 9);
    expect(conv!.floorMicros).toBe(Math.max(conv!.bytes, conv!.flops));
    expect(conv!.bound).toBe('compute');
    expect(relu!.bytes).toBe(4 * 2 * 288);
    expect(relu!.bound).toBe('memory');
    expect(cost.launches).toBe(2);
    expect(cost.bytes).toBe(conv!.bytes + relu!.bytes);
    expect(cost.floorMicros).toBeCloseTo(conv!.floorMicros + relu!.floorMicros, 9);
  });

  it('counts an output copy as bytes read and written', () => {
    // The output is a graph input: no kernel writes it, the engine copies it.
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [2, 3]);
    b.output(b.op('Relu', [x]));
    b.output(x);
    const cost = planCost(planGraph(b.build()), UNIT);
    expect(cost.bytes).toBe(cost.kernels[0]!.bytes + 2 * 24);
  });

  it('uses the measured H100 ceilings by default', () => {
    expect(H100.bytesPerSecond).toBe(3.0e12);
    expect(H100.flopsPerSecond).toBe(800e12);
  });

  it("keeps improved_head_s's planned traffic within 40% of the one-kernel-per-op plan (issue 4's target)", () => {
    const { cost } = inspectModel(fixture('improved_head_s'), { cost: true });
    expect(cost!.unoptimized.launches).toBeGreaterThan(cost!.plan.launches);
    expect(cost!.trafficRatio).toBeCloseTo(cost!.plan.bytes / cost!.unoptimized.bytes, 12);
    expect(cost!.trafficRatio).toBeLessThanOrEqual(0.4);
  }, 60_000);

  it('costs an fp16 plan at half-width activations and weights (against the same fp32 baseline)', () => {
    const fp32 = inspectModel(fixture('tiny_head'), { cost: true }).cost!;
    const fp16 = inspectModel(fixture('tiny_head'), { cost: true, precision: 'fp16' }).cost!;
    expect(fp16.unoptimized.bytes).toBe(fp32.unoptimized.bytes);
    expect(fp16.plan.launches).toBe(fp32.plan.launches);
    // The decoder and the engine's float32 inputs stay float32: less than fp32, more than half.
    expect(fp16.plan.bytes).toBeLessThan(0.8 * fp32.plan.bytes);
    expect(fp16.plan.bytes).toBeGreaterThan(0.5 * fp32.plan.bytes);
  }, 60_000);

  it('with passes off, differs from the one-kernel-per-op plan only by horizontal and elementwise fusion and channel-range views', () => {
    const { cost } = inspectModel(fixture('tiny_head'), { cost: true, passes: false });
    expect(cost!.plan.launches).toBeLessThan(cost!.unoptimized.launches);
    // Elementwise trees keep their intermediates in registers: less traffic, never more.
    expect(cost!.plan.bytes).toBeLessThan(cost!.unoptimized.bytes);
    expect(cost!.trafficRatio).toBeLessThan(1);
  });
});
