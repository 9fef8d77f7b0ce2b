import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../../codegen/build/toolchain.js';
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
  for (const [name, precision] of FIXTURES.flatMap((n) => [[n, 'fp32'], [n, 'fp16']] as const)) {
    it(`${name} ${precision}`, async () => {
      const { manifest } = await compileModel(fixture(name), { outDir: join(dir, `${name}_${precision}`), target: 'cuda', arch: ['sm_90'], precision, cacheDir: TEST_CACHE });
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

it.runIf(NVCC)('several archs build a fatbin with a report per arch', async () => {
  const { manifest } = await compileModel(fixture('tiny_head_raw'), { outDir: join(dir, 'fat'), target: 'cuda', arch: ['sm_80', 'sm_90'], cacheDir: TEST_CACHE });
  expect(manifest.arch).toEqual(['sm_80', 'sm_90']);
  for (const k of manifest.kernels) expect(k.ptxas!.map((p) => p.arch).sort()).toEqual(['sm_80', 'sm_90']);
});
