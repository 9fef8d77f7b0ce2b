import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { withEngine } from '../helpers/golden.js';
import { FIXTURES, REPO, TEST_CACHE, fixture, tempDir } from '../helpers/paths.js';

/** The examples users copy from must run: Python through ctypes, C through yhc_engine.h. */
const { dir, cleanup } = tempDir('yhc-examples-');
afterAll(cleanup);
const build = join(dir, 'tiny');
const inputFiles = ['p3', 'p4', 'p5'].map((n) => join(FIXTURES, `tiny_head.input.${n}.bin`));
const recorded = (() => {
  const b = readFileSync(join(FIXTURES, 'tiny_head.output.detections.bin'));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
})();

beforeAll(async () => {
  await compileModel(fixture('tiny_head'), { outDir: build, target: 'host', cacheDir: TEST_CACHE });
});

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The first detection row, as both examples print it: x1 y1 x2 y2 score class. */
function expectFirstRowMatches(line: string): void {
  const first = line.trim().split(/\s+/).map(Number);
  expect(first[4]).toBeCloseTo(recorded[4]!, 3);
  expect(first[5]).toBe(recorded[5]);
  expect(first[0]).toBeCloseTo(recorded[0]!, 1);
}

describe('examples', () => {
  it('draw_detections_example_writes_an_svg_of_the_kept_rows', async () => {
    const conf = join(dir, 'tiny_conf');
    await compileModel(fixture('tiny_head'), { outDir: conf, target: 'host', cacheDir: TEST_CACHE, conf: 0.5 });
    const svg = join(dir, 'tiny.svg');
    const r = run('node', ['examples/draw_detections.mjs', conf, svg, ...['p3', 'p4', 'p5'].map((n, i) => `${n}=${inputFiles[i]}`)]);
    expect(r.status, r.out).toBe(0);
    const kept = await withEngine(conf, (engine) => {
      const inputs = Object.fromEntries(
        engine.inputs.map((info, i) => {
          const b = readFileSync(inputFiles[i]!);
          return [info.name, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
        }),
      );
      return (engine.run(inputs)['num_dets'] as Int32Array)[0]!;
    });
    expect(kept).toBeGreaterThan(0);
    const text = readFileSync(svg, 'utf8');
    expect(text.match(/<rect x=/g)?.length).toBe(kept);
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
    expect(r.out).toContain(`${kept} boxes`);
  });

  it('python_ctypes_example_runs_a_build', () => {
    const r = run('python3', ['examples/python/run_engine.py', build, ...['p3', 'p4', 'p5'].map((n, i) => `${n}=${inputFiles[i]}`)]);
    expect(r.status, r.out).toBe(0);
    expectFirstRowMatches(r.out.split('\n')[2]!);
  });

  it('c_example_builds_against_the_header_and_runs', () => {
    const exe = join(dir, 'run_engine');
    const cc = run('gcc', [
      '-std=c11',
      '-Wall',
      '-Werror',
      '-I',
      join(build, 'include'),
      'examples/c/run_engine.c',
      '-L',
      join(build, 'lib'),
      '-lyhc_tiny_head',
      `-Wl,-rpath,${join(build, 'lib')}`,
      '-o',
      exe,
    ]);
    expect(cc.status, cc.out).toBe(0);
    const r = run(exe, [join(build, 'weights.bin'), ...inputFiles]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/^build [0-9a-f]{32}, 20 rows/);
    expectFirstRowMatches(r.out.split('\n')[1]!);
    const bad = run(exe, [join(build, 'weights.bin'), inputFiles[0]!, inputFiles[0]!, inputFiles[0]!]);
    expect(bad.status).toBe(1);
    expect(bad.out).toMatch(/not 12800 bytes/);
  });
});
