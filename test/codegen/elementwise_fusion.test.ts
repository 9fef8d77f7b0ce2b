import { describe, expect, it } from 'vitest';
import { MAX_STATEMENTS, findElementwiseClusters } from '../../codegen/elementwise_fusion.js';
import { kernelSource } from '../../codegen/emit/kernel_source.js';
import { planGraph, type Plan } from '../../codegen/plan.js';
import { Tensor } from '../../src/tensor.js';
import { int } from '../helpers/attrs.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';

/**
 * Vertical fusion of elementwise trees (codegen/elementwise_fusion.ts): which nodes share a
 * kernel (before: one kernel per node; after: one per tree), the named boundaries (a value with
 * two readers, a broadcast producer, a graph output), the generated body, and a 50,000-node
 * chain planned and emitted as one kernel. Numbers: test/codegen/kernels/fused_elementwise.test.ts.
 */

const families = (plan: Plan) => plan.kernels.map((k) => k.spec.family);
const opsOf = (plan: Plan) => plan.kernels.map((k) => k.spec.nodes.map((n) => n.opType).join('+'));

/** y = Relu(x · Sigmoid(x) + bias[C, 1, 1]) over [1, 4, 5, 6]. */
function siluBiasRelu(): GraphBuilder {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, 4, 5, 6]);
  const silu = b.op('Mul', [x, b.op('Sigmoid', [x])]);
  b.output(b.op('Relu', [b.op('Add', [silu, b.constant(randomTensor([4, 1, 1], 1))])]));
  return b;
}

describe('elementwise fusion: what shares a kernel', () => {
  it('a SiLU, a broadcast bias and a Relu: four kernels before, one after', () => {
    const before = planGraph(siluBiasRelu().build(), { elementwiseFusion: false });
    expect(families(before)).toEqual(['sigmoid', 'mul', 'add', 'relu']);
    const after = planGraph(siluBiasRelu().build());
    expect(families(after)).toEqual(['fused']);
    expect(opsOf(after)).toEqual(['Sigmoid+Mul+Add+Relu']);
    // x is read once (a0), the bias through its broadcast strides (a1); only y is written.
    const spec = after.kernels[0]!.spec;
    expect(spec.tensors.map((t) => `${t.access} ${t.name} [${t.value.shape.join(',')}]`)).toEqual([
      'read a0 [1,4,5,6]',
      'read a1 [4,1,1]',
      'write y [1,4,5,6]',
    ]);
    expect(after.arenaBytes).toBe(0); // no intermediate tensor is stored
    const src = kernelSource(after.kernels[0]!);
    // An input of the output's shape through its image stride (a channel range of a concat's buffer at batch > 1).
    expect(src).toContain('const float a0 = yhc::fused_at<float>(in, 0, yhc::strided_index<P::per_image, P::a0_image_stride>(i));');
    expect(src).toContain('static constexpr int a0_image_stride = 120;');
    expect(src).toContain('const float a1 = yhc::fused_gather<float>(in, 1, i);');
    expect(src).toContain('const float t0 = yhc::op::Sigmoid()(a0);');
    expect(src).toContain('const float t1 = yhc::op::Mul()(a0, t0);');
    expect(src).toContain('const float t2 = yhc::op::Add()(t1, a1);');
    expect(src).toContain('const float t3 = yhc::op::Relu()(t2);');
    expect(src).toContain('return t3;');
    expect(src).toContain('{{0, 1, 0, 0}}'); // the bias's strides over [1, 4, 5, 6]
  });

  it('a chain member with two readers is a kernel boundary (stored once, read by both)', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [2, 8]);
    const shared = b.op('Exp', [b.op('Neg', [x])]);
    b.output(b.op('Relu', [b.op('Abs', [shared])]));
    b.output(b.op('Sigmoid', [shared]));
    const plan = planGraph(b.build());
    expect(opsOf(plan).sort()).toEqual(['Abs+Relu', 'Neg+Exp', 'Sigmoid']);
  });

  it('a broadcast that cannot fuse: a producer smaller than its reader keeps its own kernel', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [2, 3, 4]);
    const s = b.input('s', 'float32', [3, 1]);
    // Fusing Exp(s) into the Add would compute it once per element of [2, 3, 4] instead of 3 times.
    const scale = b.op('Exp', [b.op('Neg', [s])]);
    b.output(b.op('Relu', [b.op('Add', [x, scale])]));
    const plan = planGraph(b.build());
    expect(opsOf(plan)).toEqual(['Neg+Exp', 'Add+Relu']);
  });

  it('a graph output inside a chain is stored: the chain splits there', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [16]);
    const mid = b.op('Sigmoid', [b.op('Relu', [x])]);
    b.output(mid);
    b.output(b.op('Neg', [b.op('Abs', [mid])]));
    expect(opsOf(planGraph(b.build()))).toEqual(['Relu+Sigmoid', 'Abs+Neg']);
  });

  it('Where, Cast and comparisons fuse; a float-math op on float64 keeps its own kernel (and its error)', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [3, 5]);
    const leaky = b.op('Where', [
      b.op('Greater', [x, b.constant(Tensor.scalar('float32', 0))]),
      x,
      b.op('Mul', [x, b.constant(Tensor.scalar('float32', 0.1))]),
    ]);
    b.output(b.op('Cast', [b.op('Cast', [leaky], { to: int(6) })], { to: int(1) }));
    expect(opsOf(planGraph(b.build()))).toEqual(['Greater+Mul+Where+Cast+Cast']);

    const c = new GraphBuilder(17);
    const d = c.input('d', 'float64', [4]);
    c.output(c.op('Sqrt', [c.op('Neg', [d])]));
    expect(() => planGraph(c.build())).toThrow(/Sqrt kernel takes float32 tensors, got float64/);
  });

  it('a lone Clip (no kernel of its own) is a fused kernel of one node; a missing bound is infinity', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [6]);
    b.output(b.op('Clip', [x, '', b.constant(Tensor.scalar('float32', 6))]));
    const plan = planGraph(b.build());
    expect(opsOf(plan)).toEqual(['Clip']);
    expect(kernelSource(plan.kernels[0]!)).toContain('yhc::op::Clip()(a0, -std::numeric_limits<float>::infinity(), a1)');
  });

  it(`splits a chain of distinct ops every ${MAX_STATEMENTS} statements`, () => {
    const b = new GraphBuilder(17);
    let v = b.input('x', 'float32', [8]);
    for (let i = 0; i < 2 * MAX_STATEMENTS + 1; i++) v = b.op(i % 2 ? 'Neg' : 'Abs', [v]);
    b.output(v);
    const plan = planGraph(b.build());
    expect(plan.kernels.map((k) => k.spec.nodes.length)).toEqual([1, MAX_STATEMENTS, MAX_STATEMENTS]);
  });
});

describe('elementwise fusion: a 50,000-node Relu chain', () => {
  const N = 50_000;
  // Built on the IR directly (an ONNX file of it is 1.5 MB): the shapes are trivially the input's.
  const chain = () => {
    const b = new GraphBuilder(17);
    let v = b.input('x', 'float32', [1, 8, 16, 16]);
    for (let i = 0; i < N; i++) v = b.op('Relu', [v], {}, { name: `relu_${i}` });
    b.output(v);
    return b.build();
  };

  it('plans one kernel (a loop in the generated body), emitted in a short source, without deep recursion', () => {
    const graph = chain();
    expect(graph.nodes.length).toBe(N);
    const fusion = findElementwiseClusters(graph);
    expect(fusion.byRoot.size).toBe(1);
    expect(fusion.absorbed.size).toBe(N - 1);
    const plan = planGraph(graph);
    expect(plan.kernels.length).toBe(1);
    const src = kernelSource(plan.kernels[0]!);
    expect(src).toContain(`for (int r = 1; r < ${N}; ++r) t0 = yhc::op::Relu()(t0);`);
    // The header names the first and last nodes and elides the rest.
    expect(src).toContain('//   Relu "relu_0" (ONNX node)');
    expect(src).toContain('//   Relu "relu_49999" (ONNX node)');
    expect(src).toContain('… 49,976 more nodes …');
    expect(src.split('\n').length).toBeLessThan(120);
  }, 120_000);
});
