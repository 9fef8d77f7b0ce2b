// The host emulation under AddressSanitizer + UndefinedBehaviorSanitizer: fiber switches are
// annotated, so kernels that suspend at barriers run clean, and real bugs are reported at the
// kernel line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { kernelsDir, plainFlavor, runJson, TestBuild } from './harness.js';
import { checkDynamicSmem, checkFailures, checkReduction, checkWarp } from './expected.js';

const sanitizerEnv = {
  ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};

function lineOf(file: string, marker: string): number {
  const lines = readFileSync(path.join(kernelsDir, file), 'utf8').split('\n');
  return lines.findIndex((line) => line.includes(marker)) + 1;
}

describe('host emulation under -fsanitize=address,undefined', () => {
  let build: TestBuild;
  let programs: Record<string, string>;
  beforeAll(async () => {
    build = await TestBuild.create({
      name: 'asan',
      cudaHeaders: plainFlavor.cudaHeaders,
      extraFlags: ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g'],
    });
    programs = await build.programs(['reduction', 'warp', 'failures', 'dynamic_smem', 'oob']);
  }, 240_000);
  afterAll(async () => build?.dispose());

  it('runs the reduction and shuffle kernels clean, with correct results', async () => {
    checkReduction(await runJson(programs.reduction, sanitizerEnv, 60_000));
    checkWarp(await runJson(programs.warp, sanitizerEnv, 60_000));
  }, 120_000);

  it('runs dynamic shared memory and the failure paths (fibers unwound by exceptions) clean', async () => {
    checkDynamicSmem(await runJson(programs.dynamic_smem, sanitizerEnv, 60_000));
    checkFailures(await runJson(programs.failures, sanitizerEnv, 60_000));
  }, 120_000);

  for (const [kind, report, marker] of [
    ['heap', 'heap-buffer-overflow', 'YHC_OOB_HEAP_LINE'],
    ['stack', 'stack-buffer-overflow', 'YHC_OOB_STACK_LINE'],
  ] as const) {
    it(`reports a ${report} on a fiber at the kernel line`, async () => {
      const result = await execa(programs.oob, [], {
        env: { ...process.env, ...sanitizerEnv, OOB_KIND: kind },
        reject: false,
        timeout: 30_000,
      });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain(`ERROR: AddressSanitizer: ${report}`);
      expect(result.stderr).toContain(`oob.cu:${lineOf('oob.cu', marker)}`);
    });
  }
});
