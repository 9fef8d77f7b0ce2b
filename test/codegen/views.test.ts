import { describe, expect, it } from 'vitest';
import { engineSource } from '../../codegen/emit/engine_source.js';
import { kernelSource } from '../../codegen/emit/kernel_source.js';
import { planGraph, type Plan } from '../../codegen/plan.js';
import type { Graph, Value } from '../../src/ir/graph.js';
import { Tensor } from '../../src/tensor.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { join } from 'node:path';
import { applyPrecision } from '../../codegen/precision.js';
import { optimizeGraph } from '../../src/compile.js';
import { loadModel } from '../../src/onnx/load.js';
import { REPO } from '../helpers/paths.js';
import { int, ints } from '../helpers/attrs.js';
import { inspectModel } from '../../src/inspect.js';
import { numel } from '../../src/tensor.js';

/**
 * Channel-range views (codegen/views.ts): Concat and Split cost no kernel (NCHW: a channel range
 * of one image is contiguous; at batch > 1 the kernels take its image stride); their tensors
 * are offsets into one buffer; what cannot be a view is copied by the Concat/Split kernel, with
 * the reason.
 */
const C = 4;
const HW = 6 * 5;

/** C2f's shape: x → Split(2) → y0, y1; z = Relu(y1); w = Sigmoid(z); Concat(y0, y1, z, w) → Sigmoid. */
function c2f(batch = 1): { graph: Graph; names: Record<string, string> } {
  const b = new GraphBuilder(18);
  const img = b.input('img', 'float32', [batch, 2 * C, 6, 5]);
  const x = b.op('Relu', [img], {}, { name: 'producer' });
  const [y0, y1] = b.node('Split', [x], { axis: int(1), num_outputs: int(2) }, { outputs: 2, name: 'split' }) as [string, string];
  const z = b.op('Relu', [y1]);
  const w = b.op('Sigmoid', [z]);
  const cat = b.op('Concat', [y0, y1, z, w], { axis: int(1) }, { name: 'cat' });
  b.output(b.op('Sigmoid', [cat]));
  return { graph: b.build(), names: { x, y0, y1, z, w, cat } };
}

const byName = (g: Graph, name: string): Value => g.values().find((v) => v.name === name)!;
const families = (plan: Plan) => plan.kernels.map((k) => k.spec.family);

describe('channel-range views in the memory plan', () => {
  it('c2f at batch 1: no Split or Concat kernel; every tensor is an offset into the concat buffer', () => {
    const { graph, names } = c2f();
    const plan = planGraph(graph, { horizontalFusion: false });
    expect(families(plan)).not.toContain('split');
    expect(families(plan)).not.toContain('concat');
    const cat = byName(graph, names.cat!);
    for (const [name, offset] of [
      ['x', 0],
      ['y0', 0],
      ['y1', C * HW],
      ['z', 2 * C * HW],
      ['w', 3 * C * HW],
    ] as const) {
      const v = byName(graph, names[name]!);
      expect(plan.rootOf(v), name).toBe(cat);
      expect(plan.offsetOf(v), name).toBe(offset);
    }
    expect(plan.views.map((d) => d.view)).toEqual([true, true]);
  });

  it('c2f at batch 1: launches pass base + offset, and the reader of a range waits for its writer', () => {
    const { graph } = c2f();
    const plan = planGraph(graph);
    const engine = engineSource(plan, { buildId: 'x', modelName: 'm' });
    expect(engine).toContain(`+ ${C * HW}`);
    expect(engine).toContain(`+ ${2 * C * HW}`);
    expect(engine).not.toMatch(/concat|split_axis/);
    // Relu(y1) reads what the producer wrote: it launches after it (not fused beside it).
    const order = plan.kernels.map((k) => k.spec.nodes.map((n) => n.opType).join('+'));
    expect(order.indexOf('Relu')).toBeLessThan(order.lastIndexOf('Relu'));
    for (const k of plan.kernels) expect(kernelSource(k)).not.toContain('concat_axis');
  });

  it('c2f at batch 2: still no Split or Concat kernel; offsets are per image and every kernel takes the image stride of a range', () => {
    const { graph, names } = c2f(2);
    const plan = planGraph(graph, { horizontalFusion: false });
    expect(families(plan)).not.toContain('split');
    expect(families(plan)).not.toContain('concat');
    expect(plan.views.map((d) => d.view)).toEqual([true, true]);
    const cat = byName(graph, names.cat!);
    for (const [name, offset] of [
      ['y1', C * HW],
      ['z', 2 * C * HW],
      ['w', 3 * C * HW],
    ] as const) {
      expect(plan.rootOf(byName(graph, names[name]!)), name).toBe(cat);
      expect(plan.offsetOf(byName(graph, names[name]!)), name).toBe(offset);
    }
    // z = Relu(y1): reads a C-channel range and writes one, images 4C·H·W apart in the concat's buffer.
    const relu = plan.kernels.find((k) => k.spec.nodes.some((n) => n.outputs[0] === byName(graph, names.z!)))!;
    const source = kernelSource(relu);
    expect(source).toContain(`static constexpr int x_image_stride = ${4 * C * HW};`);
    expect(source).toContain(`static constexpr int y_image_stride = ${4 * C * HW};`);
    expect(source).toContain(`static constexpr int per_image = ${C * HW};`);
    expect(plan.dynamicBatch).toBe(true);
  });

  describe('negative: at batch 2 a range some kernel cannot address keeps its Concat/Split kernel, with the reason', () => {
    const reasons = (plan: Plan) => plan.views.filter((d) => !d.view).map((d) => d.reason);
    it('a Transpose (strided_gather: no image stride for its input) reads a split output', () => {
      const b = new GraphBuilder(18);
      const img = b.input('img', 'float32', [2, 2 * C, 3, 3]);
      const [y0, y1] = b.node('Split', [b.op('Relu', [img])], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
      b.output(b.op('Transpose', [y0], { perm: ints([0, 1, 3, 2]) }));
      b.output(b.op('Relu', [y1]));
      const plan = planGraph(b.build(), { horizontalFusion: false });
      expect(families(plan)).toContain('split');
      expect(reasons(plan)).toEqual(['batch 2: the strided_gather kernel does not take the image stride of its x, copied']);
    });
    it('a Reshape of a range that merges the batch into another dim', () => {
      const b = new GraphBuilder(18);
      const img = b.input('img', 'float32', [2, 2 * C, 3, 3]);
      const [y0, y1] = b.node('Split', [b.op('Relu', [img])], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
      b.output(b.op('Relu', [b.op('Reshape', [y0, b.constant(Tensor.from('int64', [2], [2 * C, 9]))])]));
      b.output(b.op('Relu', [y1]));
      const plan = planGraph(b.build(), { horizontalFusion: false });
      expect(reasons(plan)).toEqual(['batch 2: a view of a range drops the batch dim, copied']);
    });
    it('a graph output that is a range (the final copy is contiguous)', () => {
      const b = new GraphBuilder(18);
      const img = b.input('img', 'float32', [2, C, 3, 3]);
      const s = b.op('Sigmoid', [img]);
      b.output(b.op('Neg', [b.op('Concat', [b.op('Relu', [img]), s], { axis: int(1) })]));
      b.output(s);
      const plan = planGraph(b.build(), { horizontalFusion: false });
      expect(reasons(plan)).toEqual(['batch 2: a graph output is a range strided per image, copied']);
    });
  });

  it('concat of concats nests the offsets', () => {
    const b = new GraphBuilder(18);
    const img = b.input('img', 'float32', [1, C, 3, 3]);
    const a = b.op('Relu', [img]);
    const c = b.op('Sigmoid', [img]);
    const d = b.op('Neg', [img]);
    const inner = b.op('Concat', [a, c], { axis: int(1) });
    const outer = b.op('Concat', [d, inner], { axis: int(1) });
    b.output(b.op('Sigmoid', [outer]));
    const graph = b.build();
    const plan = planGraph(graph);
    expect(families(plan)).not.toContain('concat');
    expect(plan.rootOf(byName(graph, c))).toBe(byName(graph, outer));
    expect(plan.offsetOf(byName(graph, d))).toBe(0);
    expect(plan.offsetOf(byName(graph, a))).toBe(C * 9);
    expect(plan.offsetOf(byName(graph, c))).toBe(2 * C * 9);
  });

  it('a tensor both in a concat and a graph output is copied out of its range', () => {
    const b = new GraphBuilder(18);
    const img = b.input('img', 'float32', [1, C, 3, 3]);
    const a = b.op('Relu', [img]);
    const c = b.op('Sigmoid', [img]);
    const cat = b.op('Concat', [a, c], { axis: int(1) });
    b.output(b.op('Sigmoid', [cat]));
    b.output(c);
    const graph = b.build();
    const plan = planGraph(graph);
    expect(families(plan)).not.toContain('concat');
    expect(plan.steps.filter((s) => s.kind === 'copy')).toHaveLength(1);
    expect(engineSource(plan, { buildId: 'x', modelName: 'm' })).toMatch(new RegExp(`cudaMemcpyAsync\\([^;]*\\+ ${C * 9}`, 's'));
  });

  it('a concat that is a graph output takes its producers straight into the output buffer', () => {
    const b = new GraphBuilder(18);
    const img = b.input('img', 'float32', [1, C, 3, 3]);
    b.output(b.op('Concat', [b.op('Relu', [img]), b.op('Sigmoid', [img])], { axis: int(1) }));
    const plan = planGraph(b.build());
    expect(plan.steps.filter((s) => s.kind === 'copy')).toHaveLength(0);
    expect(engineSource(plan, { buildId: 'x', modelName: 'm' })).toContain(`b.output<float>(out0) + ${C * 9}`);
  });

  describe('negative: what cannot be written in place is copied, with the reason', () => {
    const planned = (build: (b: GraphBuilder, img: string) => string) => {
      const b = new GraphBuilder(18);
      const img = b.input('img', 'float32', [1, C, 3, 3]);
      b.output(b.op('Sigmoid', [build(b, img)]));
      const plan = planGraph(b.build(), { horizontalFusion: false });
      const reasons = plan.views.flatMap((d) => (d.view ? d.copies.map((c) => c.reason) : [d.reason]));
      return { families: families(plan), reasons };
    };
    it('an input that is a graph input: that input alone is copied into its range', () => {
      expect(planned((b, img) => b.op('Concat', [img, b.op('Relu', [img])], { axis: int(1) }))).toEqual({
        families: ['relu', 'copy', 'sigmoid'],
        reasons: ['input 0 is a graph input, copied into its range'],
      });
    });
    it('an input that is a constant', () => {
      const k = Tensor.from('float32', [1, 1, 3, 3], new Array<number>(9).fill(1));
      expect(planned((b, img) => b.op('Concat', [b.op('Relu', [img]), b.constant(k)], { axis: int(1) })).reasons).toEqual([
        'input 1 is a constant, copied into its range',
      ]);
    });
    it('the same tensor twice: the second is copied', () => {
      const got = planned((b, img) => {
        const r = b.op('Relu', [img]);
        return b.op('Concat', [r, r], { axis: int(1) });
      });
      expect(got.reasons).toEqual(['input 1 is the tensor of input 0 at another position, copied into its range']);
    });
    it('a split output beside another producer that would overwrite the rest of the split input while it is read', () => {
      const got = planned((b, img) => {
        const [y0, y1] = b.node('Split', [b.op('Relu', [img])], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
        // y1 is read by the Neg after the Sigmoid that would overwrite it has run (not its ancestor).
        const s = b.op('Sigmoid', [img]);
        b.output(b.op('Neg', [y1]));
        return b.op('Concat', [y0, s], { axis: int(1) });
      });
      expect(got.reasons).toEqual(['input 0 is a range of a tensor that would overlap input 1, copied into its range']);
      expect(got.families.filter((f) => f === 'copy')).toHaveLength(1);
    });
    it('the overwriting producer reads the range it would overwrite: copied (a kernel never reads where it writes)', () => {
      const got = planned((b, img) => {
        const [y0, y1] = b.node('Split', [b.op('Relu', [img])], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
        return b.op('Concat', [y0, b.op('Sigmoid', [y1])], { axis: int(1) });
      });
      expect(got.reasons).toEqual(['input 0 is a range of a tensor that would overlap input 1, copied into its range']);
    });
    it('no input placeable (split outputs in reversed order): the Concat kernel copies all', () => {
      const got = planned((b, img) => {
        const [y0, y1] = b.node('Split', [b.op('Relu', [img])], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
        return b.op('Concat', [y1, y0], { axis: int(1) });
      });
      expect(got.families).toContain('concat');
      expect(got.reasons).toEqual(["no input can be written in place (input 0 is a range of a tensor that extends past the concat's), copied"]);
    });
    it('a range of a non-leading axis', () => {
      expect(planned((b, img) => b.op('Concat', [b.op('Relu', [img]), b.op('Sigmoid', [img])], { axis: int(2) })).reasons).toEqual([
        'a range of axis 2 of [1, 4, 6, 3] is not contiguous, copied',
      ]);
    });
  });

  it('PSA: cat(a, b + f(b)) with a, b the halves of one tensor: the sum overwrites b in place once b is dead', () => {
    const b = new GraphBuilder(18);
    const img = b.input('img', 'float32', [1, 2 * C, 3, 3]);
    const x = b.op('Relu', [img]);
    const [a, half] = b.node('Split', [x], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
    const b1 = b.op('Add', [half, b.op('Sigmoid', [half])]);
    const b2 = b.op('Add', [b1, b.op('Neg', [b1])]);
    const cat = b.op('Concat', [a, b2], { axis: int(1) });
    b.output(b.op('Sigmoid', [cat]));
    const graph = b.build();
    const plan = planGraph(graph);
    expect(families(plan)).not.toContain('copy');
    expect(families(plan)).not.toContain('concat');
    const [vx, vb1, vb2, vcat] = [x, b1, b2, cat].map((n) => byName(graph, n));
    expect(plan.rootOf(vx!)).toBe(vcat);
    expect(plan.rootOf(vb2!)).toBe(vcat);
    expect(plan.offsetOf(vb2!)).toBe(C * 9);
    expect(plan.rootOf(vb1!)).not.toBe(vcat);
  });

  it('SPPF: one sppf kernel writes the three pools into the concat buffer', () => {
    const b = new GraphBuilder(18);
    const img = b.input('img', 'float32', [1, C, 7, 7]);
    const x = b.op('Relu', [img]);
    const pool = (v: string) => b.op('MaxPool', [v], { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]) });
    const m5 = pool(x);
    const m9 = pool(m5);
    const m13 = pool(m9);
    b.output(b.op('Sigmoid', [b.op('Concat', [x, m5, m9, m13], { axis: int(1) })]));
    const graph = b.build();
    const plan = planGraph(graph);
    expect(families(plan)).toEqual(['relu', 'sppf', 'sigmoid']);
    const sppf = plan.kernels[1]!;
    expect(sppf.spec.tensors.map((t) => plan.offsetOf(t.value))).toEqual([0, C * 49, 2 * C * 49, 3 * C * 49]);
  });

  it('yolov10n_e2e_320 (fp16): engine.cu launches no Concat, Resize or Split kernel (the attention kernel reads q/k/v by index), and SPPF once', () => {
    const graph = loadModel(join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx'));
    optimizeGraph(graph, {});
    applyPrecision(graph, 'fp16');
    const plan = planGraph(graph);
    const launchedOps = (op: string) => plan.kernels.filter((k) => k.spec.nodes.some((n) => n.opType === op));
    expect(launchedOps('Concat')).toEqual([]);
    expect(launchedOps('Resize')).toEqual([]);
    expect(launchedOps('Split')).toEqual([]);
    expect(launchedOps('MaxPool').map((k) => k.spec.nodes.length)).toEqual([3]);
    const engine = engineSource(plan, { buildId: 'x', modelName: 'm' });
    const launched = [...engine.matchAll(/YHC_CHECK_LAUNCH\("(\w+)"\)/g)].map((m) => m[1]!);
    expect(launched.filter((id) => /_(concat|resize|copy|maxpool)$/.test(id))).toEqual([]);
    expect(launched.filter((id) => id.endsWith('_sppf'))).toHaveLength(1);
    expect(plan.views.filter((d) => !d.view).map((d) => d.reason)).toEqual([]);
  });

  it("yolov10n_e2e_320 --batch 2 (fp16), inspect --cost: no launch and no byte for Concat or Split; the kernels take the concat buffers' image strides", () => {
    const summary = inspectModel(join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx'), { batch: 2, cost: true, precision: 'fp16' });
    const cost = summary.cost!;
    const forOp = (op: string) => cost.plan.kernels.filter((k) => k.ops.includes(op));
    expect(forOp('Concat')).toEqual([]);
    expect(forOp('Split')).toEqual([]);
    expect(cost.views.copied).toEqual([]);
    expect(cost.views.count).toBeGreaterThan(20);
    // The engine source at batch 2: some kernel writes a range with its concat buffer's image stride.
    const graph = loadModel(join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx'), { batch: 2 });
    optimizeGraph(graph, {});
    applyPrecision(graph, 'fp16');
    const plan = planGraph(graph);
    const strided = plan.kernels.flatMap((k) =>
      k.spec.tensors
        .filter((t) => plan.rootOf(t.value) !== t.value && t.value.shape[0] === 2)
        .map((t) => ({ k, t, stride: numel(plan.rootOf(t.value).shape) / 2 })),
    );
    expect(strided.length).toBeGreaterThan(20);
    for (const { k, t, stride } of strided.slice(0, 10)) {
      expect(kernelSource(k), `${k.id} ${t.name}`).toMatch(new RegExp(`static constexpr int \\w*${t.name}_image_stride = ${stride};`));
    }
    expect(plan.dynamicBatch).toBe(true);
  });
});
