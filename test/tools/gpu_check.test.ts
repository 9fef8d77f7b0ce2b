import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { FIXTURES, REPO, TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';

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
    const r = python('tools/gpu/yhc_compare.py', '--cases', 'test/check/compare_cases.json');
    expect(r.out).toContain('all cases agree');
    expect(r.status).toBe(0);
  });

  it('gpu_check_builds_runs_and_compares_carried_sources', async () => {
    for (const name of ['tiny_head', 'tiny_head_raw']) {
      await compileModel(fixture(name), { outDir: join(dir, name), target: 'host', build: false });
    }
    const r = python('tools/gpu/gpu_check.py', join(dir, 'tiny_head'), join(dir, 'tiny_head_raw'), '--models', FIXTURES, '--inputs', FIXTURES,
      '--target', 'host', '--reference', 'recorded', '--iterations', '1', '--json', join(dir, 'rows.json'));
    expect(r.out).toMatch(/tiny_head +1 recorded +detections +detections .* ok/);
    expect(r.out).toMatch(/tiny_head_raw +1 recorded +preds +dense .* ok/);
    expect(r.status, r.out).toBe(0);
    const rows = JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8'));
    expect(rows.map((x: { ok: boolean }) => x.ok)).toEqual([true, true]);
  });

  it('python_example_runs_a_build', async () => {
    await compileModel(fixture('tiny_head'), { outDir: join(dir, 'example'), target: 'host', cacheDir: TEST_CACHE });
    const inputs = ['p3', 'p4', 'p5'].map((n) => `${n}=${join(FIXTURES, `tiny_head.input.${n}.bin`)}`);
    const r = python('examples/python/run_engine.py', join(dir, 'example'), ...inputs);
    expect(r.status, r.out).toBe(0);
    const bytes = readFileSync(join(FIXTURES, 'tiny_head.output.detections.bin'));
    const recorded = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    // First detection row, as the example prints it: x1 y1 x2 y2 score class.
    const first = r.out.split('\n')[2]!.trim().split(/\s+/).map(Number);
    expect(first[4]).toBeCloseTo(recorded[4]!, 3);
    expect(first[5]).toBe(recorded[5]);
  });
});
