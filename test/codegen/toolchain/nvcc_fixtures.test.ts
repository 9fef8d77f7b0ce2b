import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../../codegen/toolchain/toolchain.js';
import { compileModel } from '../../../src/compile.js';
import { TEST_CACHE, fixture, tempDir } from '../../helpers/paths.js';

/**
 * nvcc must accept every kernel yhc emits. Without a GPU nothing runs, but ptxas reports each
 * kernel's registers, shared memory, stack and spills, which the manifest records: no kernel
 * may spill or need a stack frame.
 */
const NVCC = findOnPath('nvcc');
const { dir, cleanup } = tempDir('yhc-nvcc-');
afterAll(cleanup);

const FIXTURES = ['tiny_head', 'tiny_head_raw', 'v10head_n', 'v10head_n_unfused', 'v10head_n_dynbatch', 'improved_head_s'];

describe.runIf(NVCC)('nvcc builds every fixture for sm_90', () => {
  for (const [name, precision] of FIXTURES.flatMap(
    (n) =>
      [
        [n, 'fp32'],
        [n, 'fp16'],
      ] as const,
  )) {
    it(`${name} ${precision}`, async () => {
      const { manifest } = await compileModel(fixture(name), {
        outDir: join(dir, `${name}_${precision}`),
        target: 'cuda',
        arch: ['sm_90'],
        precision,
        cacheDir: TEST_CACHE,
      });
      expect(manifest.library).toMatch(/\.so$/);
      for (const k of manifest.kernels) {
        expect(k.ptxas?.length, `${k.id} has no ptxas report`).toBe(1);
        const p = k.ptxas![0]!;
        expect(p.arch).toBe('sm_90');
        expect(p.registers).toBeGreaterThan(0);
        expect(p.sharedBytes).toBeGreaterThanOrEqual(0);
        // Issue 4's ptxas target: no spills and no stack frame anywhere.
        expect(p.spillStoreBytes + p.spillLoadBytes, `${k.id} spills`).toBe(0);
        expect(p.stackBytes, `${k.id} has a stack frame`).toBe(0);
      }
    });
  }
});

it.runIf(NVCC)('the NMS decoder (--decode nms) builds for sm_90 without spills or a stack frame', async () => {
  const { manifest } = await compileModel(fixture('tiny_head_raw'), {
    outDir: join(dir, 'nms'),
    target: 'cuda',
    arch: ['sm_90'],
    cacheDir: TEST_CACHE,
    decode: { format: 'nms' },
  });
  const nms = manifest.kernels.filter((k) => k.id.includes('_yolonms'));
  expect(nms.length).toBe(3);
  for (const k of nms) expect(k.ptxas![0]!.spillStoreBytes + k.ptxas![0]!.stackBytes, k.id).toBe(0);
});

it.runIf(NVCC)('several archs build a fatbin with a report per arch', async () => {
  const { manifest } = await compileModel(fixture('tiny_head_raw'), {
    outDir: join(dir, 'fat'),
    target: 'cuda',
    arch: ['sm_80', 'sm_90'],
    cacheDir: TEST_CACHE,
  });
  expect(manifest.arch).toEqual(['sm_80', 'sm_90']);
  for (const k of manifest.kernels) expect(k.ptxas!.map((p) => p.arch).sort()).toEqual(['sm_80', 'sm_90']);
});

it.runIf(NVCC)('dense convs of an fp16 build run on tensor cores; fp32 ones do not', async () => {
  // The PTX of the kernel holding the three levels' first dense convs: mma.sync four times per
  // conv and step (conv_tile_product.cuh) with half weights, never with float ones.
  const mmaCount = async (precision: 'fp32' | 'fp16') => {
    const out = join(dir, `mma_${precision}`);
    const { manifest } = await compileModel(fixture('v10head_n'), { outDir: out, target: 'cuda', arch: ['sm_90'], precision, build: false });
    const kernel = manifest.kernels.find((k) => k.template.includes('conv2d_tiled'))!;
    const ptx = execFileSync(
      NVCC!,
      ['-std=c++17', '-O3', '--expt-relaxed-constexpr', '-arch=sm_90', '-ptx', '-I', '.', '-I', 'include', kernel.file, '-o', '-'],
      { cwd: out, encoding: 'utf8' },
    );
    return (ptx.match(/mma\.sync\.aligned\.m16n8k8\.row\.col\.f32\.f16\.f16\.f32/g) ?? []).length;
  };
  expect(await mmaCount('fp16')).toBeGreaterThanOrEqual(4);
  expect(await mmaCount('fp32')).toBe(0);
});
