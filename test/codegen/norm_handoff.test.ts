import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findHandoffs } from '../../codegen/norm_handoff.js';
import { PASSES, runPipeline } from '../../passes/index.js';
import { seededGraphInputs } from '../../passes/verify.js';
import { compileModel } from '../../src/compile.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { encodeModel } from '../../src/onnx/write.js';
import { tensorFromTypedArray, typedArrayOf } from '../../src/typed_arrays.js';
import { GraphBuilder, expectTensorsClose } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';
import { withEngine } from '../helpers/golden.js';
import { float, int, ints, str } from '../helpers/attrs.js';

/**
 * The pointwise GroupNorm of a DwPw handed to the dense convs that read it (codegen/
 * norm_handoff.ts): where it applies, where it must not, and what the engine computes then.
 */
const { dir, cleanup } = tempDir('yhc-handoff-');
afterAll(cleanup);

const YHC = { domain: 'ai.yhc' };
const [C, M, HW] = [8, 6, 10];

/** DwPw (GroupNorm after both stages) → `reader`; optionally the DwPw output read elsewhere too. */
function model(reader: 'dense' | 'depthwise', options: { alsoOutput?: boolean; dwNorm?: boolean } = {}): GraphBuilder {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [2, C, HW, HW]);
  const k = (shape: number[], seed: number, scale = 1) => b.constant(randomTensor(shape, seed, scale));
  const dwNorm = options.dwNorm ?? true;
  const y = b.op(
    'DwPw',
    [x, k([C, 1, 3, 3], 1, 0.5), k([C], 2), dwNorm ? k([C], 3) : '', dwNorm ? k([C], 4) : '', k([M, C, 1, 1], 5, 0.4), k([M], 6), k([M], 7), k([M], 8)],
    {
      kernel_shape: ints([3, 3]),
      strides: ints([1, 1]),
      pads: ints([1, 1, 1, 1]),
      dilations: ints([1, 1]),
      dw_activation: str('silu'),
      pw_activation: str('silu'),
      dw_norm_groups: int(dwNorm ? 2 : 0),
      pw_norm_groups: int(3),
      ...(dwNorm ? { dw_norm_epsilon: float(1e-5) } : {}),
      pw_norm_epsilon: float(1e-5),
    },
    YHC,
  );
  const dense = reader === 'dense';
  const w = dense ? k([4, M, 3, 3], 9, 0.3) : k([M, 1, 3, 3], 9, 0.3);
  b.output(
    b.op(
      'Conv',
      [y, w, k([dense ? 4 : M], 10)],
      { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), group: int(dense ? 1 : M), activation: str('silu') },
      YHC,
    ),
  );
  if (options.alsoOutput) b.output(y);
  return b;
}

describe('GroupNorm handoff', () => {
  it('hands off the pointwise GroupNorm and the SimAM of every level of improved_head_s', () => {
    const graph = loadModel(fixture('improved_head_s'));
    runPipeline(graph, PASSES);
    const kinds = [...findHandoffs(graph).inputs.values()].map((h) => h.kind).sort();
    expect(kinds).toEqual(['groupnorm', 'groupnorm', 'groupnorm', 'simam', 'simam', 'simam']);
    expect(findHandoffs(graph).planeStats.size).toBe(3);
  });

  it.each([
    ['its output is also a graph output', model('dense', { alsoOutput: true })],
    ['a depthwise conv reads it', model('depthwise')],
    ['the depthwise stage has no GroupNorm', model('dense', { dwNorm: false })],
  ])('does not hand off when %s', (_, b) => {
    expect(findHandoffs(b.build()).inputs.size).toBe(0);
  });

  it.each([
    ['handed_off', model('dense'), 1, 2],
    ['kept_because_also_an_output', model('dense', { alsoOutput: true }), 0, 3],
  ])(
    'computes what the graph means (%s)',
    async (name, b, handoffs, launches) => {
      const path = join(dir, `${name}.onnx`);
      writeFileSync(path, encodeModel(b.spec()));
      const outDir = join(dir, name);
      const { manifest, graph } = await compileModel(path, { outDir, target: 'host', cacheDir: TEST_CACHE, passes: false });
      expect(findHandoffs(loadModel(path)).inputs.size).toBe(handoffs);
      // dw stats · pw (normalize, [statistics]) · [pointwise group_norm] · the reader
      expect(manifest.kernels.length).toBe(launches + 1);
      const inputs = seededGraphInputs(graph, 4);
      const expected = runGraph(graph, inputs);
      await withEngine(outDir, async (engine) => {
        const got = engine.run({ x: typedArrayOf(inputs['x']!) });
        for (const v of graph.outputs)
          expectTensorsClose(tensorFromTypedArray('float32', expected[v.name]!.shape, got[v.name]!), expected[v.name]!, 1e-4, v.name);
      });
    },
    120_000,
  );
});

/** Conv (dense, 70 channels: two channel tiles; 12x12: three pixel tiles) → SimAM → `reader`. */
function simamModel(reader: 'dense' | 'depthwise', options: { alsoOutput?: 'input' | 'output' } = {}): GraphBuilder {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [2, 3, 12, 12]);
  const k = (shape: number[], seed: number, scale = 1) => b.constant(randomTensor(shape, seed, scale));
  const u = b.op(
    'Conv',
    [x, k([70, 3, 3, 3], 21, 0.4), k([70], 22)],
    { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), group: int(1), activation: str('silu') },
    YHC,
  );
  const v = b.op('SimAM', [u], { lambda: float(1e-4) }, YHC);
  const dense = reader === 'dense';
  b.output(
    b.op(
      'Conv',
      [v, k(dense ? [5, 70, 1, 1] : [70, 1, 3, 3], 23, 0.3)],
      { kernel_shape: ints(dense ? [1, 1] : [3, 3]), pads: ints(dense ? [0, 0, 0, 0] : [1, 1, 1, 1]), group: int(dense ? 1 : 70), activation: str('none') },
      YHC,
    ),
  );
  if (options.alsoOutput) b.output(options.alsoOutput === 'input' ? u : v);
  return b;
}

describe('SimAM handoff', () => {
  it.each([
    ["SimAM's input is also a graph output", simamModel('dense', { alsoOutput: 'input' })],
    ["SimAM's output is also a graph output", simamModel('dense', { alsoOutput: 'output' })],
    ['a depthwise conv reads it', simamModel('depthwise')],
  ])('does not hand off when %s', (_, b) => {
    expect(findHandoffs(b.build()).inputs.size).toBe(0);
  });

  it.each([
    ['simam_handed_off', simamModel('dense'), 2],
    ['simam_kept', simamModel('depthwise'), 3],
  ])(
    'computes what the graph means, run after run (%s)',
    async (name, b, launches) => {
      const path = join(dir, `${name}.onnx`);
      writeFileSync(path, encodeModel(b.spec()));
      const outDir = join(dir, name);
      const { manifest, graph } = await compileModel(path, { outDir, target: 'host', cacheDir: TEST_CACHE, passes: false });
      expect(manifest.kernels.length).toBe(launches);
      const base = seededGraphInputs(graph, 5)['x']!;
      await withEngine(outDir, async (engine) => {
        // Other data each run: statistics left from the run before would show.
        for (let run = 0; run < 3; run++) {
          const x = tensorFromTypedArray(
            'float32',
            base.shape,
            Float32Array.from(base.data, (v) => v * (1 + run) + run),
          );
          const expected = runGraph(graph, { x });
          const got = engine.run({ x: typedArrayOf(x) });
          for (const v of graph.outputs)
            expectTensorsClose(tensorFromTypedArray('float32', expected[v.name]!.shape, got[v.name]!), expected[v.name]!, 1e-4, `${v.name}, run ${run}`);
        }
      });
    },
    120_000,
  );
});
