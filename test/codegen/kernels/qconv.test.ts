import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../../codegen/toolchain/toolchain.js';
import { compileModel } from '../../../src/compile.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import { loadModel } from '../../../src/onnx/load.js';
import { Tensor } from '../../../src/tensor.js';
import { randomInputs, withEngine } from '../../helpers/golden.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { randomTensor, writeModel } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';
import { SeededRandom } from '../../../src/golden/random.js';
import { compareQuantized } from '../../../src/golden/quantized.js';

/**
 * ai.yhc.QConv's int8 kernels (qconv.cuh) under host emulation against the interpreter running
 * the ONNX chain: DynamicQuantizeLinear → ConvInteger → Cast → Mul(x_scale · w_scale) → Add bias,
 * which recognize-quant turns into one QConv. The dense convs run the tensor-core product
 * (mma.sync m16n8k32, emulated from the lanes' fragments by the PTX layout), the grouped ones
 * the CUDA-core kernel. The chain is exact integer arithmetic then float steps the kernel rounds
 * the same way: outputs must be bit-identical.
 */
const { dir, cleanup } = tempDir('yhc-qconv-');
afterAll(cleanup);

interface Case {
  readonly name: string;
  readonly c: number;
  readonly m: number;
  readonly hw: [number, number];
  readonly k: number;
  readonly stride?: number;
  readonly group?: number;
  readonly weights?: 'int8' | 'uint8';
  readonly batch?: number;
}

const CASES: Case[] = [
  { name: 'pointwise_odd_channels', c: 5, m: 7, hw: [9, 11], k: 1 },
  // 3 · 9 = 27 reduction rows: under one 32-wide step; 70 channels: two channel tiles.
  { name: '3x3_reduction_27_two_channel_tiles', c: 3, m: 70, hw: [10, 9], k: 3 },
  { name: '3x3_stride_2_reduction_not_multiple_of_32', c: 13, m: 16, hw: [13, 10], k: 3, stride: 2 },
  { name: 'uint8_weights_nonzero_zero_points_3x3', c: 9, m: 20, hw: [12, 12], k: 3, weights: 'uint8' },
  { name: 'uint8_weights_pointwise_many_pixel_tiles', c: 40, m: 33, hw: [14, 13], k: 1, weights: 'uint8' },
  { name: 'depthwise_3x3', c: 12, m: 12, hw: [9, 9], k: 3, group: 12 },
  { name: 'depthwise_uint8_stride_2', c: 6, m: 6, hw: [11, 8], k: 3, group: 6, stride: 2, weights: 'uint8' },
  { name: 'batch_2_one_range_over_both_images', c: 4, m: 9, hw: [6, 7], k: 3, batch: 2 },
];

function weights(c: Case, seed: number): { w: Tensor; zp: Tensor } {
  const rng = new SeededRandom(seed);
  const shape = [c.m, c.c / (c.group ?? 1), c.k, c.k];
  const n = shape.reduce((a, b) => a * b, 1);
  if (c.weights === 'uint8') {
    const zp = Array.from({ length: c.m }, () => 100 + Math.floor(rng.uniform() * 56));
    return {
      w: Tensor.from(
        'uint8',
        shape,
        Array.from({ length: n }, () => Math.floor(rng.uniform() * 256)),
      ),
      zp: Tensor.from('uint8', [c.m], zp),
    };
  }
  return {
    w: Tensor.from(
      'int8',
      shape,
      Array.from({ length: n }, () => Math.floor(rng.uniform() * 255) - 127),
    ),
    zp: Tensor.from('int8', [c.m], new Array(c.m).fill(0)),
  };
}

function chainModel(c: Case): string {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [c.batch ?? 1, c.c, ...c.hw]);
  const [xq, xs, xz] = b.node('DynamicQuantizeLinear', [x], {}, { outputs: 3, name: 'dql' }) as [string, string, string];
  const { w, zp } = weights(c, 5);
  const p = (c.k - 1) / 2;
  const acc = b.op('ConvInteger', [xq, b.constant(w), xz, b.constant(zp)], {
    kernel_shape: { type: 'ints', value: [c.k, c.k] },
    strides: { type: 'ints', value: [c.stride ?? 1, c.stride ?? 1] },
    pads: { type: 'ints', value: [p, p, p, p] },
    group: { type: 'int', value: c.group ?? 1 },
  });
  const cast = b.op('Cast', [acc], { to: { type: 'int', value: 1 } });
  const wscale = Tensor.from(
    'float32',
    [c.m, 1, 1],
    Array.from(randomTensor([c.m], 3).data, (v) => 0.002 + Math.abs(v) * 0.01),
  );
  const y = b.op('Mul', [cast, b.op('Mul', [xs, b.constant(wscale)])]);
  b.output(b.op('Add', [y, b.constant(randomTensor([c.m, 1, 1], 4))]));
  return writeModel(dir, `${c.name}.onnx`, b.spec());
}

describe('qconv int8 kernels (host emulation)', () => {
  it.each(CASES)(
    '$name',
    async (c) => {
      const model = chainModel(c);
      const outDir = join(dir, c.name);
      const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE });
      expect(manifest.kernels.map((k) => k.template)).toEqual(['qconv_quant.cuh', 'qconv.cuh']);
      expect(manifest.kernels[1]!.id).toContain(c.group ? 'qdwconv' : 'qconv');
      await withEngine(outDir, (engine) => {
        for (const seed of [1, 2]) {
          const inputs = randomInputs(engine.manifest.inputs, seed);
          const got = engine.runPositional([inputs.x!])[0]!;
          const graph = loadModel(model);
          const ref = runGraph(graph, { x: new Tensor('float32', engine.manifest.inputs[0]!.shape, inputs.x as Float32Array) });
          const want = ref[graph.outputs[0]!.name]!.data;
          expect(Array.from(got as Float32Array)).toEqual(Array.from(want));
        }
      });
    },
    120_000,
  );
});

/** x → one DynamicQuantizeLinear → a dense 3x3 ConvInteger chain (uint8 weights, zero points) and a depthwise one. */
function sharedQuantizerModel(): string {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, 6, 8, 8]);
  const [xq, xs, xz] = b.node('DynamicQuantizeLinear', [x], {}, { outputs: 3, name: 'dql' }) as [string, string, string];
  const convs: Case[] = [
    { name: 'a', c: 6, m: 10, hw: [8, 8], k: 3, weights: 'uint8' },
    { name: 'b', c: 6, m: 6, hw: [8, 8], k: 3, group: 6 },
  ];
  for (const [i, c] of convs.entries()) {
    const { w, zp } = weights(c, 11 + i);
    const acc = b.op('ConvInteger', [xq, b.constant(w), xz, b.constant(zp)], {
      kernel_shape: { type: 'ints', value: [3, 3] },
      pads: { type: 'ints', value: [1, 1, 1, 1] },
      group: { type: 'int', value: c.group ?? 1 },
    });
    b.output(b.op('Mul', [b.op('Cast', [acc], { to: { type: 'int', value: 1 } }), b.op('Mul', [xs, b.constant(Tensor.scalar('float32', 0.01 + i * 0.003))])]));
  }
  return writeModel(dir, 'shared_quantizer.onnx', b.spec());
}

/** The engine's outputs on two seeded inputs (the second run after the statistics counter's reset) equal the interpreter's. */
async function expectBitIdentical(model: string, outDir: string): Promise<void> {
  await withEngine(outDir, (engine) => {
    for (const seed of [4, 5]) {
      const inputs = randomInputs(engine.manifest.inputs, seed);
      const got = engine.runPositional([inputs.x!]);
      const graph = loadModel(model);
      const ref = runGraph(graph, { x: new Tensor('float32', [...engine.manifest.inputs[0]!.shape], inputs.x as Float32Array) });
      graph.outputs.forEach((v, i) => expect(Array.from(got[i] as Float32Array)).toEqual(Array.from(ref[v.name]!.data)));
    }
  });
}

it('two QConvs of one quantizer share one statistics launch (a 3x3 and a depthwise conv)', async () => {
  const model = sharedQuantizerModel();
  const outDir = join(dir, 'shared_quantizer');
  const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE });
  expect(manifest.kernels.filter((k) => k.template === 'qconv_quant.cuh').length).toBe(1);
  await expectBitIdentical(model, outDir);
}, 120_000);

it('the statistics, tiled and direct int8 kernels run clean in the checked build (--check)', async () => {
  const model = sharedQuantizerModel();
  const outDir = join(dir, 'shared_quantizer_checked');
  await compileModel(model, { outDir, target: 'host', check: true, cacheDir: TEST_CACHE });
  await expectBitIdentical(model, outDir);
}, 600_000);

/**
 * The dense int8 conv runs on integer tensor cores: its PTX holds mma.sync m16n8k32 with the
 * weights' type (s8 or u8) times uint8 activations, four per K step; ptxas reports no spills and
 * no stack frame for either kernel.
 */
const NVCC = findOnPath('nvcc');
describe.runIf(NVCC)('qconv for sm_90', () => {
  it.each([
    { weights: 'int8' as const, mma: 'mma.sync.aligned.m16n8k32.row.col.s32.s8.u8.s32' },
    { weights: 'uint8' as const, mma: 'mma.sync.aligned.m16n8k32.row.col.s32.u8.u8.s32' },
  ])(
    '$weights weights: $mma in the PTX, no spills',
    async ({ weights, mma }) => {
      const c: Case = { name: `ptx_${weights}`, c: 32, m: 64, hw: [20, 20], k: 3, weights };
      const out = join(dir, c.name);
      const { manifest } = await compileModel(chainModel(c), { outDir: out, target: 'cuda', arch: ['sm_90'], cacheDir: TEST_CACHE });
      const conv = manifest.kernels.find((k) => k.template === 'qconv.cuh')!;
      const ptx = execFileSync(
        NVCC!,
        ['-std=c++17', '-O3', '--expt-relaxed-constexpr', '-arch=sm_90', '-ptx', '-I', '.', '-I', 'include', conv.file, '-o', '-'],
        {
          cwd: out,
          encoding: 'utf8',
        },
      );
      expect(ptx.split(mma).length - 1).toBeGreaterThanOrEqual(4);
      expect(ptx).not.toMatch(/mma\.sync\.aligned\.m16n8k8/);
      for (const k of manifest.kernels) {
        const p = k.ptxas![0]!;
        expect(p.spillStoreBytes + p.spillLoadBytes, `${k.id} spills`).toBe(0);
        expect(p.stackBytes, `${k.id} has a stack frame`).toBe(0);
      }
    },
    300_000,
  );
});

/**
 * The static (QDQ) mode of ai.yhc.QConv (input_quant "static": x already int8 with a constant
 * scale and zero point; optionally a requantized int8 output): the same
 * templates with dynamic_input = false (no statistics kernel) and requantize. Its meaning is the
 * float conv of the dequantized operands, so the float output is held to the fp32 rule and the
 * requantized one to the quantized rule (one quantum where y / y_scale sits on a rounding boundary).
 */
describe('qconv static mode (host emulation)', () => {
  it.each([
    { name: 'static_3x3_int8_weights', c: 7, m: 20, hw: [9, 10] as [number, number], k: 3 },
    { name: 'static_pointwise_uint8_weights', c: 33, m: 9, hw: [8, 8] as [number, number], k: 1, weights: 'uint8' as const },
    { name: 'static_depthwise_stride_2', c: 8, m: 8, hw: [9, 9] as [number, number], k: 3, group: 8, stride: 2 },
  ])(
    '$name',
    async (c: Case) => {
      const b = new GraphBuilder(17);
      const x = b.input('x', 'int8', [1, c.c, ...c.hw]);
      const { w, zp } = weights(c, 6);
      const p = (c.k - 1) / 2;
      const wscale = Tensor.from(
        'float32',
        [c.m],
        Array.from(randomTensor([c.m], 3).data, (v) => 0.002 + Math.abs(v) * 0.01),
      );
      const common = [
        x,
        b.constant(w),
        b.constant(wscale),
        b.constant(zp),
        b.constant(randomTensor([c.m], 4)),
        b.constant(Tensor.scalar('float32', 0.05)),
        b.constant(Tensor.scalar('int8', 3)),
      ];
      const attrs = {
        kernel_shape: { type: 'ints' as const, value: [c.k, c.k] },
        strides: { type: 'ints' as const, value: [c.stride ?? 1, c.stride ?? 1] },
        pads: { type: 'ints' as const, value: [p, p, p, p] },
        group: { type: 'int' as const, value: c.group ?? 1 },
        activation: { type: 'string' as const, value: 'none' },
        input_quant: { type: 'string' as const, value: 'static' },
      };
      const Y_SCALE = 0.5;
      b.output(b.op('QConv', common, attrs, { domain: 'ai.yhc', name: 'float_out' }));
      b.output(
        b.op('QConv', [...common, b.constant(Tensor.scalar('float32', Y_SCALE)), b.constant(Tensor.scalar('int8', -5))], attrs, {
          domain: 'ai.yhc',
          name: 'int8_out',
        }),
      );
      const graph = b.build();
      const rng = new SeededRandom(9);
      const xs = Int8Array.from({ length: c.c * c.hw[0] * c.hw[1] }, () => Math.floor(rng.uniform() * 256) - 128);
      const ref = runGraph(graph, { x: Tensor.from('int8', [1, c.c, ...c.hw], xs) });
      const [yf, yq] = graph.outputs.map((v) => ref[v.name]!.data);
      const outDir = join(dir, c.name);
      const model = writeModel(dir, `${c.name}.onnx`, b.spec());
      const { manifest } = await compileModel(model, { graph, outDir, target: 'host', cacheDir: TEST_CACHE, passes: false });
      // No statistics launch; the two convs may share one (horizontal fusion).
      expect(new Set(manifest.kernels.map((k) => k.template))).toEqual(new Set(['qconv.cuh']));
      await withEngine(outDir, (engine) => {
        const [gotF, gotQ] = engine.runPositional([xs]);
        const scale = Math.max(1, ...Array.from(yf!, Math.abs));
        Array.from(gotF as Float32Array).forEach((v, i) => expect(Math.abs(v - yf![i]!)).toBeLessThanOrEqual(1e-4 * scale));
        // The requantized values mostly inside int8's range (not a test of saturation alone).
        expect(Array.from(yq!).filter((v) => v > -128 && v < 127).length).toBeGreaterThan(0.8 * yq!.length);
        const check = compareQuantized(
          gotQ as Int8Array,
          yq!,
          Array.from(yf!, (v) => v / Y_SCALE),
        );
        expect(check.ok, check.problem).toBe(true);
      });
    },
    120_000,
  );
});
