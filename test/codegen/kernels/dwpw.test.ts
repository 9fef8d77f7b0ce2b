import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dwpwTile, DWPW_SHARED_BYTES } from '../../../codegen/kernels/dwpw.js';
import { seededGraphInputs } from '../../../passes/verify.js';
import { compileModel } from '../../../src/compile.js';
import { encodeModel } from '../../../src/onnx/write.js';
import type { Tensor } from '../../../src/tensor.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import { tensorFromTypedArray, typedArrayOf } from '../../../src/typed_arrays.js';
import { GraphBuilder, expectTensorsClose } from '../../helpers/graph_builder.js';
import { randomTensor } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';
import { withEngine } from '../../helpers/golden.js';
import { float, int, ints, str } from '../../helpers/attrs.js';

/**
 * The kernels of ai.yhc.DwPw under host emulation against the op's reference semantics (the
 * interpreter): the one-kernel dwpw_fused path (tiles with a tail, batch 2, strides, dilation,
 * missing biases, a tile shrunk to fit shared memory, a pointwise GroupNorm after it) and the
 * split path a depthwise GroupNorm needs.
 */
const { dir, cleanup } = tempDir('yhc-dwpw-');
afterAll(cleanup);

interface Case {
  readonly name: string;
  readonly batch: number;
  readonly c: number;
  readonly m: number;
  readonly hw: [number, number];
  readonly k: number;
  readonly stride?: number;
  readonly dilation?: number;
  readonly biases?: boolean;
  readonly dwNorm?: number;
  readonly pwNorm?: number;
  /** The kernel templates the build must use, in order. */
  readonly templates: string[];
}

function dwpwModel(c: Case, options: { centreTap?: boolean } = {}): GraphBuilder {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [c.batch, c.c, ...c.hw]);
  const stride = c.stride ?? 1;
  const dilation = c.dilation ?? 1;
  const pad = (dilation * (c.k - 1)) / 2;
  const k = (t: ReturnType<typeof randomTensor>) => b.constant(t);
  const biases = c.biases ?? true;
  const inputs = [
    x,
    k(options.centreTap ? centreTap(c.c, c.k) : randomTensor([c.c, 1, c.k, c.k], 1, 0.5)),
    biases ? k(randomTensor([c.c], 2)) : '',
    c.dwNorm ? k(randomTensor([c.c], 3)) : '',
    c.dwNorm ? k(randomTensor([c.c], 4)) : '',
    k(randomTensor([c.m, c.c, 1, 1], 5, 0.3)),
    biases ? k(randomTensor([c.m], 6)) : '',
    ...(c.pwNorm ? [k(randomTensor([c.m], 7)), k(randomTensor([c.m], 8))] : []),
  ];
  b.output(
    b.op(
      'DwPw',
      inputs,
      {
        kernel_shape: ints([c.k, c.k]),
        strides: ints([stride, stride]),
        pads: ints([pad, pad, pad, pad]),
        dilations: ints([dilation, dilation]),
        dw_activation: str('silu'),
        pw_activation: str('silu'),
        dw_norm_groups: int(c.dwNorm ?? 0),
        pw_norm_groups: int(c.pwNorm ?? 0),
        ...(c.dwNorm ? { dw_norm_epsilon: float(1e-5) } : {}),
        ...(c.pwNorm ? { pw_norm_epsilon: float(1e-5) } : {}),
      },
      { domain: 'ai.yhc' },
    ),
  );
  return b;
}

/** A depthwise filter that passes each channel through (centre tap 1, a little of the others). */
function centreTap(channels: number, k: number): Tensor {
  const w = randomTensor([channels, 1, k, k], 11, 0.001);
  for (let c = 0; c < channels; c++) w.data[(c * k + (k - 1) / 2) * k + (k - 1) / 2] = 1;
  return w;
}

const CASES: Case[] = [
  { name: 'fused_two_tiles_with_a_tail_batch_2', batch: 2, c: 5, m: 7, hw: [9, 9], k: 3, templates: ['dwpw_fused.cuh'] },
  {
    name: 'fused_stride_2_dilation_2_no_biases',
    batch: 1,
    c: 4,
    m: 3,
    hw: [11, 10],
    k: 3,
    stride: 2,
    dilation: 2,
    biases: false,
    templates: ['dwpw_fused.cuh'],
  },
  { name: 'fused_5x5_with_a_tile_shrunk_to_fit_shared_memory', batch: 1, c: 300, m: 4, hw: [6, 7], k: 5, templates: ['dwpw_fused.cuh'] },
  { name: 'fused_then_a_pointwise_groupnorm', batch: 2, c: 6, m: 8, hw: [5, 5], k: 3, pwNorm: 2, templates: ['dwpw_fused.cuh', 'group_norm.cuh'] },
  {
    name: 'split_around_a_depthwise_groupnorm',
    batch: 1,
    c: 6,
    m: 4,
    hw: [5, 6],
    k: 3,
    dwNorm: 3,
    pwNorm: 2,
    templates: ['conv2d_direct.cuh', 'conv2d_direct.cuh', 'group_norm.cuh'],
  },
];

describe('dwpw kernels (host emulation)', () => {
  it.each(CASES)(
    '$name',
    async (c) => {
      const builder = dwpwModel(c);
      const model = join(dir, `${c.name}.onnx`);
      writeFileSync(model, encodeModel(builder.spec()));
      const outDir = join(dir, c.name);
      // No passes: the model is already the one DwPw op.
      const { manifest, graph } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, passes: false });
      expect(manifest.kernels.map((k) => k.template)).toEqual(c.templates);
      const inputs = seededGraphInputs(graph, 7);
      const expected = runGraph(graph, inputs);
      await withEngine(outDir, async (engine) => {
        const got = engine.run({ x: typedArrayOf(inputs['x']!) });
        const name = graph.outputs[0]!.name;
        expectTensorsClose(tensorFromTypedArray('float32', expected[name]!.shape, got[name]!), expected[name]!, 1e-4, name);
      });
    },
    120_000,
  );

  it('gathers GroupNorm statistics stably (mean 1e3 x the spread) and resets its counters between runs', async () => {
    // 8 channels in 2 groups of 16x16: 4 blocks per (image, group); batch 2. A centre-tap
    // depthwise filter keeps the data at ~1000 ± 1, where sum-of-squares variance cancels.
    const c: Case = {
      name: 'large_mean_statistics',
      batch: 2,
      c: 8,
      m: 3,
      hw: [16, 16],
      k: 3,
      dwNorm: 2,
      templates: ['conv2d_direct.cuh', 'conv2d_direct.cuh'],
    };
    const b = dwpwModel(c, { centreTap: true });
    const model = join(dir, `${c.name}.onnx`);
    writeFileSync(model, encodeModel(b.spec()));
    const outDir = join(dir, c.name);
    const { manifest, graph } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, passes: false });
    expect(manifest.kernels.map((k) => k.template)).toEqual(c.templates);
    expect(manifest.stateBytes).toBeGreaterThan(0);
    const noise = seededGraphInputs(graph, 9)['x']!;
    await withEngine(outDir, async (engine) => {
      // Other data each run: stale statistics from the run before would show.
      for (let run = 0; run < 3; run++) {
        const x = tensorFromTypedArray(
          'float32',
          noise.shape,
          Float32Array.from(noise.data, (v) => 1000 + 10 * run + v * (1 + run)),
        );
        const expected = runGraph(graph, { x })[graph.outputs[0]!.name]!;
        const got = engine.run({ x: typedArrayOf(x) })[graph.outputs[0]!.name]!;
        expectTensorsClose(tensorFromTypedArray('float32', expected.shape, got), expected, 2e-3, `run ${run}`);
      }
    });
  }, 120_000);

  it('picks the largest tile up to 64 pixels whose depthwise result fits shared memory', () => {
    expect(dwpwTile(64)).toBe(64);
    expect(dwpwTile(128)).toBe(64);
    expect(dwpwTile(300)).toBe(16);
    expect(dwpwTile(DWPW_SHARED_BYTES / 4)).toBe(1);
    expect(dwpwTile(DWPW_SHARED_BYTES / 4 + 1)).toBe(0);
  });
});
