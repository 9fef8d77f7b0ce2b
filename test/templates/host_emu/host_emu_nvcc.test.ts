// The test kernels are CUDA sources first: nvcc must accept each of them (compile only; CI has
// no GPU). This is what keeps the host emulation honest about its API surface.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { allKernelFiles, kernelsDir, templatesDir } from './harness.js';

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, program);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const nvcc = findOnPath('nvcc');

describe('CUDA compile of the host-emulation test kernels', () => {
  it.skipIf(!nvcc)(
    'nvcc -std=c++17 -arch=sm_90 -c accepts every test kernel (skipped only when nvcc is not on PATH)',
    async () => {
      const outDir = await mkdtemp(path.join(tmpdir(), 'yhc-host-emu-nvcc-'));
      try {
        const failures: string[] = [];
        const queue = [...allKernelFiles];
        const worker = async () => {
          for (let file = queue.shift(); file; file = queue.shift()) {
            const args = ['-std=c++17', '-arch=sm_90', '-I', templatesDir, '-c', path.join(kernelsDir, `${file}.cu`)];
            const result = await execa(nvcc as string, [...args, '-o', path.join(outDir, `${file}.o`)], {
              reject: false,
              timeout: 120_000,
            });
            if (result.exitCode !== 0) failures.push(`${file}.cu:\n${result.stderr}`);
          }
        };
        await Promise.all(Array.from({ length: Math.min(2, availableParallelism()) }, worker));
        expect(failures).toEqual([]);
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
