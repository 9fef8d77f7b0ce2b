import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../../src/compile.js';
import { expectMatchesOnnxRuntime, randomInputs, withEngine } from '../../helpers/golden.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { randomTensor, writeModel } from '../../helpers/models.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';

/**
 * conv2d_tiled (dense convs as a tiled implicit GEMM) under host emulation against onnxruntime:
 * tiles cut by the channel and pixel counts, a reduction length that is not a multiple of the
 * K step, strides, dilation, asymmetric padding, batch 2, no bias — each with float weights (the
 * CUDA-core product) and with half weights (--precision fp16: the tensor-core product, whose
 * mma.sync fragments the host emulation computes by the PTX layout; 1e-2 relative).
 */
const { dir, cleanup } = tempDir('yhc-conv-tiled-');
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
  readonly pads?: [number, number, number, number];
  readonly bias?: boolean;
}

const CASES: Case[] = [
  { name: 'tails_in_channels_and_pixels', batch: 2, c: 5, m: 70, hw: [9, 11], k: 3 },
  // Pointwise planes of whole 16-byte runs are staged a run at a time; odd planes element-wise.
  { name: 'pointwise_many_tiles', batch: 1, c: 33, m: 130, hw: [12, 12], k: 1 },
  { name: 'pointwise_odd_plane', batch: 2, c: 12, m: 20, hw: [5, 7], k: 1 },
  { name: 'stride_2_dilation_2_asymmetric_pads_no_bias', batch: 1, c: 3, m: 8, hw: [13, 10], k: 3, stride: 2, dilation: 2, pads: [1, 2, 3, 0], bias: false },
  { name: 'kernel_5x5_single_output_channel', batch: 2, c: 4, m: 1, hw: [7, 7], k: 5 },
  // A reduction length that is a multiple of 8: half weight rows are staged as 16-byte loads.
  { name: 'reduction_multiple_of_8', batch: 1, c: 16, m: 70, hw: [10, 9], k: 3 },
];
const PRECISIONS = ['fp32', 'fp16'] as const;

describe('conv2d_tiled (host emulation)', () => {
  it.each(CASES.flatMap((c) => PRECISIONS.map((precision) => ({ ...c, precision }))))(
    '$name $precision',
    async (c) => {
      const b = new GraphBuilder(17);
      const x = b.input('x', 'float32', [c.batch, c.c, ...c.hw]);
      const p = ((c.k - 1) / 2) * (c.dilation ?? 1);
      const inputs = [x, b.constant(randomTensor([c.m, c.c, c.k, c.k], 1, 0.3)), ...((c.bias ?? true) ? [b.constant(randomTensor([c.m], 2))] : [])];
      b.output(
        b.op('Conv', inputs, {
          kernel_shape: { type: 'ints', value: [c.k, c.k] },
          strides: { type: 'ints', value: [c.stride ?? 1, c.stride ?? 1] },
          dilations: { type: 'ints', value: [c.dilation ?? 1, c.dilation ?? 1] },
          pads: { type: 'ints', value: c.pads ?? [p, p, p, p] },
        }),
      );
      const model = writeModel(dir, `${c.name}.onnx`, b.spec());
      const outDir = join(dir, `${c.name}_${c.precision}`);
      const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, passes: false, precision: c.precision });
      expect(manifest.kernels.map((k) => k.template)).toEqual(['conv2d_tiled.cuh']);
      await withEngine(outDir, async (engine) => {
        for (const seed of [1, 2]) await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, seed));
      });
    },
    120_000,
  );
});
