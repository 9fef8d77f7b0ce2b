import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

interface Row {
  build: string;
  status: string;
  verdict: string;
  inputs?: string;
  ok?: boolean;
  note?: string;
  basis?: string;
}
const readRows = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { done: boolean; rows: Row[]; meta: { verdict: string } };
const check = (builds: string[], ...extra: string[]) =>
  python(
    'tools/gpu/gpu_check.py',
    ...builds.map((b) => join(dir, b)),
    '--models',
    FIXTURES,
    '--inputs',
    FIXTURES,
    '--target',
    'host',
    '--reference',
    'recorded',
    '--iterations',
    '1',
    ...extra,
  );

describe('tools/gpu', () => {
  beforeAll(async () => {
    for (const name of ['tiny_head', 'tiny_head_raw', 'v10head_n_unfused']) {
      await compileModel(fixture(name), { outDir: join(dir, name), target: 'host', build: false });
    }
    // An fp16 build is compared at its own tolerance (1e-2 relative), read from its manifest.
    await compileModel(fixture('tiny_head'), { outDir: join(dir, 'tiny_head_fp16'), target: 'host', build: false, precision: 'fp16' });
    // A carried source that does not compile.
    cpSync(join(dir, 'tiny_head'), join(dir, 'tiny_head_corrupt'), { recursive: true });
    const kernel = readdirSync(join(dir, 'tiny_head_corrupt', 'kernels')).find((f) => f.endsWith('.cu'))!;
    appendFileSync(join(dir, 'tiny_head_corrupt', 'kernels', kernel), '\nthis is not C++;\n');
  });

  it('python_comparison_rules_agree_with_the_case_table', () => {
    const r = python('tools/gpu/yhc_compare.py', '--cases', 'test/golden/compare_cases.json');
    expect(r.out).toContain('all cases agree');
    expect(r.status).toBe(0);
  });

  it('judges_a_model_run_in_int8_by_the_quantized_rule', () => {
    // gpu_check.comparer on a build whose kernels hold QConv: detections by the 80% rule,
    // num_dets as the engine's own row count; the same outputs of a float build by the float rule.
    const script = `
import json, struct, sys
sys.path.insert(0, "tools/gpu")
import gpu_check
rows = lambda rs: struct.pack("<%df" % (6 * len(rs)), *[v for r in rs for v in r])
ref = [[0, 0, 10, 10, 0.9, 1], [20, 0, 30, 10, 0.8, 2], [40, 0, 50, 10, 0.7, 1], [60, 0, 70, 10, 0.6, 3], [80, 0, 90, 10, 0.5, 0]]
zero = [0, 0, 0, 0, 0, 0]
det = {"name": "detections", "dtype": "float32", "shape": [1, 5, 6]}
num = {"name": "num_dets", "dtype": "int32", "shape": [1]}
int8 = {"outputs": [det, num], "kernels": [{"nodes": [{"opType": "QConv"}]}]}
out = lambda d, n: {"detections": rows(d), "num_dets": struct.pack("<i", n)}
judge = gpu_check.comparer(int8, 1e-4)
for name, got in [("four", out(ref[:4] + [zero], 4)), ("two", out([[0, 0, 10, 10, 0.9, 2]] + ref[1:3] + [zero, zero], 3)), ("count", out(ref[:4] + [zero], 5))]:
    print(name, json.dumps([[c["rule"], c["ok"], c["basis"]] for c in (judge(i, got, out(ref, 5)) for i in int8["outputs"])]))
floats = {**int8, "kernels": [{"nodes": [{"opType": "Conv"}]}]}
print("float", json.dumps(gpu_check.comparer(floats, 1e-4)(det, out(ref[:4] + [zero], 4), out(ref, 5))["ok"]))
`;
    const r = python('-c', script);
    expect(r.status, r.out).toBe(0);
    const lines = Object.fromEntries(
      r.out
        .trim()
        .split('\n')
        .map((l) => [l.split(' ')[0], JSON.parse(l.slice(l.indexOf(' ') + 1)) as unknown]),
    );
    expect(lines['four']).toEqual([
      ['int8 detections', true, '4/5 reference detections >= 0.25 found (80% needed; int8 rule), mean IoU 1.000'],
      ['int8 count', true, "counts 4 are the engine's own rows (4)"],
    ]);
    expect(lines['two']).toEqual([
      ['int8 detections', false, '2/5 reference detections >= 0.25 found (80% needed; int8 rule), mean IoU 1.000'],
      ['int8 count', true, "counts 3 are the engine's own rows (3)"],
    ]);
    expect((lines['count'] as unknown[][])[1]).toEqual(['int8 count', false, "counts 5 are not the engine's own rows (4)"]);
    expect(lines['float']).toBe(false);
  });

  it('gpu_check_builds_runs_and_compares_carried_sources', () => {
    const r = check(['tiny_head', 'tiny_head_raw', 'tiny_head_fp16'], '--json', join(dir, 'rows.json'));
    // The verdict first, with what it rests on (rows matched, worst matched row), then max abs/rel.
    expect(r.out).toMatch(/tiny_head +1 fp32 recorded +detections detections ok +20\/20 rows matched, worst score \S+ box \S+ +\S+ +\S+/);
    expect(r.out).toMatch(/tiny_head_raw +1 fp32 recorded +preds +dense +ok +max diff \S+ vs tol \S+/);
    expect(r.out).toMatch(/tiny_head_fp16 +1 fp16 recorded +detections detections ok +20\/20 rows matched/);
    // Two execution contexts of each engine at once (on a GPU: two streams), both outputs checked.
    expect(r.out).toMatch(
      /tiny_head +1 fp32 2 contexts, 2 streams +all +detections ok +2\/2 outputs ok; worst: context \d \(recorded\) detections: 20\/20 rows matched/,
    );
    expect(r.out).toContain('PASS: 9 outputs checked in 3 builds, 0 mismatched, 0 builds skipped, 0 builds in error');
    expect(r.status, r.out).toBe(0);
    const doc = readRows(join(dir, 'rows.json'));
    expect(doc.done).toBe(true);
    // Each output twice: the first run, and a replay (on a GPU, of the captured CUDA graph).
    const build = [
      ['recorded', true],
      ['recorded (replayed)', true],
      ['2 contexts, 2 streams', true],
    ];
    expect(doc.rows.map((x) => [x.inputs, x.ok])).toEqual([...build, ...build, ...build]);
  });

  it('a_build_that_fails_is_an_error_row_and_the_other_builds_go_on', () => {
    // Reuses the libraries of the test above (gpucheck-build.json); the corrupt copy fails in g++.
    const json = join(dir, 'error.json');
    const r = check(['tiny_head_corrupt', 'tiny_head', 'v10head_n_unfused'], '--reuse-build', '--json', json);
    expect(r.out).toMatch(/check tiny_head_corrupt .*: ERROR: g\+\+ failed in .*tiny_head_corrupt/);
    expect(r.out).toMatch(/tiny_head +1 fp32 recorded +detections detections ok/);
    // A build with nothing to compare against says so.
    expect(r.out).toMatch(/v10head_n_unfused .* SKIPPED .* no recorded inputs v10head_n_unfused\.input\.\*\.bin/);
    expect(r.out).toContain('FAIL: 3 outputs checked in 1 builds, 0 mismatched, 1 builds skipped, 1 builds in error');
    expect(r.status, r.out).toBe(2);
    const doc = readRows(json);
    expect(doc.done).toBe(true);
    expect(doc.rows.map((x) => [x.build, x.verdict])).toEqual([
      ['tiny_head_corrupt', 'ERROR'],
      ['tiny_head', 'ok'],
      ['tiny_head', 'ok'],
      ['tiny_head', 'ok'],
      ['v10head_n_unfused', 'SKIPPED'],
    ]);
  });

  it('a_check_that_checked_nothing_fails', () => {
    const r = python(
      'tools/gpu/gpu_check.py',
      join(dir, 'v10head_n_unfused'),
      join(dir, 'tiny_head_fp16'),
      '--models',
      FIXTURES,
      '--inputs',
      join(dir, 'no-such-dir'),
      '--target',
      'host',
      '--reference',
      'recorded',
    );
    expect(r.out).toMatch(/tiny_head_fp16 .*SKIPPED/);
    expect(r.out).toContain('FAIL: nothing was checked');
    expect(r.status, r.out).toBe(1);
  });

  it('a_spent_budget_stops_cleanly_with_the_rows_it_has', () => {
    const json = join(dir, 'budget.json');
    const r = check(['tiny_head', 'tiny_head_raw'], '--reuse-build', '--budget-s', '0.001', '--json', json);
    expect(r.out).toMatch(/tiny_head .* SKIPPED .*out of the time budget/);
    expect(r.status, r.out).toBe(1);
    const doc = readRows(json);
    expect(doc.done).toBe(true);
    expect(doc.rows.map((x) => x.verdict)).toEqual(['SKIPPED', 'SKIPPED']);
  });
});
