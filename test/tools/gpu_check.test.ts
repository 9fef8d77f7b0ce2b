import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { FIXTURES, REPO, fixture, tempDir } from '../helpers/paths.js';

/**
 * The GPU check (tools/gpu/) runs on machines without Node. Here it runs with --target host
 * (g++ + host emulation) and the recorded onnxruntime outputs, which exercises everything but
 * nvcc and the GPU: its build, the Python ctypes binding, and its port of the comparison rules.
 */
const { dir, cleanup } = tempDir('yhc-gpucheck-');
afterAll(cleanup);

function python(...args: string[]) {
  const r = spawnSync('python3', args, { cwd: REPO, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('tools/gpu', () => {
  it('python_comparison_rules_agree_with_the_case_table', () => {
    const r = python('tools/gpu/yhc_compare.py', '--cases', 'test/golden/compare_cases.json');
    expect(r.out).toContain('all cases agree');
    expect(r.status).toBe(0);
  });

  it('gpu_check_builds_runs_and_compares_carried_sources', async () => {
    for (const name of ['tiny_head', 'tiny_head_raw']) {
      await compileModel(fixture(name), { outDir: join(dir, name), target: 'host', build: false });
    }
    // An fp16 build is compared at its own tolerance (1e-2 relative), read from its manifest.
    await compileModel(fixture('tiny_head'), { outDir: join(dir, 'tiny_head_fp16'), target: 'host', build: false, precision: 'fp16' });
    const r = python('tools/gpu/gpu_check.py', join(dir, 'tiny_head'), join(dir, 'tiny_head_raw'), join(dir, 'tiny_head_fp16'), '--models', FIXTURES, '--inputs', FIXTURES,
      '--target', 'host', '--reference', 'recorded', '--iterations', '1', '--json', join(dir, 'rows.json'));
    expect(r.out).toMatch(/tiny_head +1 fp32 +recorded +detections +detections .* ok/);
    expect(r.out).toMatch(/tiny_head_raw +1 fp32 +recorded +preds +dense .* ok/);
    expect(r.out).toMatch(/tiny_head +1 fp16 +recorded +detections +detections .* ok/);
    expect(r.status, r.out).toBe(0);
    const rows = JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8'));
    // Each output twice: the first run, and a replay (on a GPU, of the captured CUDA graph).
    expect(rows.map((x: { inputs: string; ok: boolean }) => [x.inputs, x.ok])).toEqual([
      ['recorded', true], ['recorded (replayed)', true], ['recorded', true], ['recorded (replayed)', true], ['recorded', true], ['recorded (replayed)', true],
    ]);
  });

});
