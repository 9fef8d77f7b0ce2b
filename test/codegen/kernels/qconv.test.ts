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
