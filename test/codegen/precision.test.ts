import { describe, expect, it } from 'vitest';
import { applyPrecision, parsePrecision } from '../../codegen/precision.js';
import { planGraph } from '../../codegen/plan.js';
import { roundToHalf } from '../../src/dtype.js';
import { Tensor } from '../../src/tensor.js';
import { YhcError } from '../../src/errors.js';
import type { Attr, Graph, Value } from '../../src/ir/graph.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { ints, str } from '../helpers/attrs.js';

/**
 * --precision fp16 (codegen/precision.ts): which tensors become half. Before: a float32 graph;
 * after: the dtypes the rule gives — convs' activations and weights in half, the engine's inputs
 * and outputs, tensors read by float-only kernels and normalization parameters float32.
 */

const YHC = { domain: 'ai.yhc' };
const conv3x3 = {
  kernel_shape: ints([3, 3]),
  pads: ints([1, 1, 1, 1]),
  strides: ints([1, 1]),
  dilations: ints([1, 1]),
  group: { type: 'int', value: 1 } as Attr,
  activation: str('silu'),
};

/** x → conv a → conv b → (Sigmoid | output); `a` is also read by Sigmoid when `sideReader`. */
function chain(options: { sideReader?: boolean } = {}): { graph: Graph; names: Record<string, string> } {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, 4, 6, 6]);
  const w = b.constant(randomTensor([4, 4, 3, 3], 1, 0.3), 'w');
  const bias = b.constant(randomTensor([4], 2), 'bias');
  const a = b.op('Conv', [x, w, bias], conv3x3, YHC);
  const c = b.op('Conv', [a, w, bias], conv3x3, YHC); // the same weights, read twice
  const out = b.op('Sigmoid', [c]);
  b.output(out);
  if (options.sideReader) b.output(b.op('Sigmoid', [a]));
  return { graph: b.build(), names: { x, a, c, out } };
}

const valueNamed = (g: Graph, name: string): Value => g.values().find((v) => v.name === name)!;

describe('applyPrecision', () => {
  it('fp32 changes nothing', () => {
    const { graph } = chain();
    const before = graph.values().map((v) => v.dtype);
    expect(applyPrecision(graph, 'fp32')).toEqual({ precision: 'fp32', halfActivations: 0, halfWeights: 0 });
    expect(graph.values().map((v) => v.dtype)).toEqual(before);
  });

  it('stores a conv-to-conv activation and the conv weights in half; inputs, outputs and float-only readers stay float32', () => {
    const { graph, names } = chain();
    const report = applyPrecision(graph, 'fp16');
    expect(valueNamed(graph, names.x!).dtype).toBe('float32'); // engine input
    expect(valueNamed(graph, names.a!).dtype).toBe('float16'); // conv → conv
    expect(valueNamed(graph, names.c!).dtype).toBe('float32'); // read by Sigmoid: no half kernel
    expect(valueNamed(graph, names.out!).dtype).toBe('float32'); // engine output
    const [convA, convB] = graph.nodes;
    expect(convA!.input(1).dtype).toBe('float16');
    expect(convA!.input(2).dtype).toBe('float16');
    // One half copy of a constant two convs read.
    expect(convB!.input(1)).toBe(convA!.input(1));
    expect(report).toEqual({ precision: 'fp16', halfActivations: 1, halfWeights: 2 });
  });

  it('rounds weights to the nearest half', () => {
    const { graph } = chain();
    const original = Float32Array.from(graph.nodes[0]!.input(1).constant!.data);
    applyPrecision(graph, 'fp16');
    const half = graph.nodes[0]!.input(1).constant!;
    expect(half.dtype).toBe('float16');
    expect(Array.from(half.data)).toEqual(Array.from(original, roundToHalf));
    expect(Array.from(half.data)).not.toEqual(Array.from(original)); // random weights are not all halves already
  });

  it('negative: an activation a float-only kernel also reads stays float32', () => {
    const { graph, names } = chain({ sideReader: true });
    applyPrecision(graph, 'fp16');
    expect(valueNamed(graph, names.a!).dtype).toBe('float32');
  });

  it('the plan then sizes half tensors at 2 bytes an element', () => {
    const { graph } = chain();
    const fp32 = planGraph(chain().graph);
    applyPrecision(graph, 'fp16');
    const fp16 = planGraph(graph);
    expect(fp16.weightBytes).toBeLessThan(fp32.weightBytes);
    expect(fp16.arenaBytes).toBeLessThanOrEqual(fp32.arenaBytes);
    const launcherTypes = fp16.kernels[0]!.spec.params.filter((p) => p.kind === 'type').map((p) => `${p.name}=${p.kind === 'type' ? p.cType : ''}`);
    expect(launcherTypes).toEqual(expect.arrayContaining(['Input=float', 'Weight=__half', 'Output=__half']));
  });

  it('YoloDecode levels are all half or all float32', () => {
    // Two levels; level 1's class tensor is also a graph output, so it stays float32 — and so must the rest.
    const b = new GraphBuilder(17);
    const levels: string[] = [];
    for (const [i, hw] of [
      [0, 8],
      [1, 4],
    ] as const) {
      const x = b.input(`p${i}`, 'float32', [1, 4, hw, hw]);
      const k = (shape: number[], seed: number) => b.constant(randomTensor(shape, seed, 0.3));
      levels.push(
        b.op(
          'Conv',
          [x, k([64, 4, 1, 1], 10 + i), k([64], 20 + i)],
          { ...conv3x3, kernel_shape: ints([1, 1]), pads: ints([0, 0, 0, 0]), activation: str('none') },
          YHC,
        ),
      );
      levels.push(
        b.op(
          'Conv',
          [x, k([3, 4, 1, 1], 30 + i), k([3], 40 + i)],
          { ...conv3x3, kernel_shape: ints([1, 1]), pads: ints([0, 0, 0, 0]), activation: str('none') },
          YHC,
        ),
      );
    }
    const det = b.op(
      'YoloDecode',
      levels,
      {
        nc: { type: 'int', value: 3 },
        reg_max: { type: 'int', value: 16 },
        strides: { type: 'floats', value: [8, 16] },
        max_det: { type: 'int', value: 5 },
        grid_cell_offset: { type: 'float', value: 0.5 },
        output: str('detections'),
      },
      YHC,
    );
    b.output(det);
    const allHalf = b.build();
    applyPrecision(allHalf, 'fp16');
    expect(allHalf.nodes.at(-1)!.inputs.map((v) => v!.dtype)).toEqual(['float16', 'float16', 'float16', 'float16']);

    b.output(levels[3]!);
    const mixed = b.build();
    applyPrecision(mixed, 'fp16');
    expect(mixed.nodes.at(-1)!.inputs.map((v) => v!.dtype)).toEqual(['float32', 'float32', 'float32', 'float32']);
  });
});

/**
 * A C2f-like block: conv → Split → (conv → residual Add) → Concat of the three → MaxPool →
 * Resize ×2 → conv. `floatReader` also reads one Split part with a float-only kernel (Sigmoid).
 */
function block(options: { floatReader?: boolean; constantAdd?: boolean } = {}) {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, 4, 8, 8]);
  const pw = (cin: number, cout: number, seed: number) => [b.constant(randomTensor([cout, cin, 1, 1], seed, 0.3)), b.constant(randomTensor([cout], seed + 1))];
  const conv1 = { ...conv3x3, kernel_shape: ints([1, 1]), pads: ints([0, 0, 0, 0]) };
  const stem = b.op('Conv', [x, ...pw(4, 8, 1)], conv1, YHC);
  const [p0, p1] = b.node('Split', [stem, b.constant(Tensor.from('int64', [2], [4, 4]))], { axis: { type: 'int', value: 1 } }, { outputs: 2 }) as [
    string,
    string,
  ];
  const inner = b.op('Conv', [p1, ...pw(4, 4, 3)], conv1, YHC);
  const add = b.op('Add', [options.constantAdd ? b.constant(randomTensor([1, 4, 8, 8], 9)) : p1, inner]);
  const cat = b.op('Concat', [p0, p1, add], { axis: { type: 'int', value: 1 } });
  const pool = b.op('MaxPool', [cat], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]) });
  const up = b.op('Resize', [pool, '', b.constant(Tensor.from('float32', [4], [1, 1, 2, 2]))], { mode: str('nearest') });
  b.output(b.op('Conv', [up, ...pw(12, 2, 5)], conv1, YHC));
  if (options.floatReader) b.output(b.op('Sigmoid', [p0]));
  return { graph: b.build(), names: { stem, p0, p1, inner, add, cat, pool, up } };
}

describe('applyPrecision: storage classes', () => {
  const dtypes = (g: Graph, names: Record<string, string>) => Object.fromEntries(Object.entries(names).map(([k, n]) => [k, valueNamed(g, n).dtype]));

  it('Split, residual Add, Concat, MaxPool and Resize between convs store half, and their kernels are planned in half', () => {
    const { graph, names } = block();
    applyPrecision(graph, 'fp16');
    expect(Object.values(dtypes(graph, names))).toEqual(Array(8).fill('float16'));
    // Without views and SPPF, so that Split, Concat, MaxPool and Resize each get their own kernel.
    const plan = planGraph(graph, { views: false, sppf: false });
    const typeOf = (family: string, param: string) => {
      const p = plan.kernels.find((k) => k.spec.family === family)!.spec.params.find((q) => q.name === param);
      return p?.kind === 'type' ? p.cType : undefined;
    };
    expect([typeOf('split', 'T'), typeOf('concat', 'T'), typeOf('maxpool', 'T'), typeOf('resize', 'T')]).toEqual(['__half', '__half', '__half', '__half']);
    expect([typeOf('add', 'InA'), typeOf('add', 'InB'), typeOf('add', 'Out')]).toEqual(['__half', '__half', '__half']);
  });

  it('negative: a float-only reader of one Concat part keeps the whole class (parts, Concat, MaxPool, Resize) float32', () => {
    const { graph, names } = block({ floatReader: true });
    applyPrecision(graph, 'fp16');
    const d = dtypes(graph, names);
    // p0 is read by Sigmoid; p0's class holds the Split's input and outputs, the Concat and what follows it.
    expect([d['stem'], d['p0'], d['p1'], d['add'], d['cat'], d['pool'], d['up']]).toEqual(Array(7).fill('float32'));
    // The inner conv's output is its own class, read by the Add (which reads half there).
    expect(d['inner']).toBe('float16');
  });

  it('negative: an Add with a constant operand is no residual Add: it stores float32', () => {
    const { graph, names } = block({ constantAdd: true });
    applyPrecision(graph, 'fp16');
    expect(dtypes(graph, names)['add']).toBe('float32');
    expect(dtypes(graph, names)['inner']).toBe('float32');
  });
});

describe('parsePrecision', () => {
  it('accepts fp32 and fp16 and names anything else', () => {
    expect(parsePrecision('fp16')).toBe('fp16');
    expect(() => parsePrecision('int8')).toThrow(YhcError);
    expect(() => parsePrecision('int8')).toThrow(/--precision must be fp32 or fp16, got "int8"/);
  });
});
