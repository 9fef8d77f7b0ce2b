import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { readManifest } from '../../src/runtime/manifest_file.js';
import { convBlockSpec, writeModel } from '../helpers/models.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * The C ABI under misuse (issue 12), from C (dlopen, two threads) and from Python (ctypes): every
 * wrong call returns its status code with a yhc_last_error() naming the problem, a destroyed
 * handle is refused instead of used, and two engines of one build run in two threads at once.
 */
const { dir, cleanup } = tempDir('yhc-abi-misuse-');
afterAll(cleanup);
const HERE = join(REPO, 'test', 'runtime', 'abi');
let lib = '';
let weights = '';
let other = '';

beforeAll(async () => {
  await compileModel(writeModel(dir, 'small.onnx', convBlockSpec({}, 4, 6)), { outDir: join(dir, 'small'), target: 'host', cacheDir: TEST_CACHE });
  await compileModel(writeModel(dir, 'wide.onnx', convBlockSpec({}, 8, 5)), { outDir: join(dir, 'wide'), target: 'host', cacheDir: TEST_CACHE });
  lib = join(dir, 'small', readManifest(join(dir, 'small')).library!);
  weights = join(dir, 'small', 'weights.bin');
  other = join(dir, 'wide', 'weights.bin');
}, 600_000);

/** `name status message` lines as a map from case to [status, message]. */
function parse(stdout: string): Map<string, [number, string]> {
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, status, ...rest] = line.split(' ');
        return [name!, [Number(status), rest.join(' ')]];
      }),
  );
}

const INVALID = 1;
const WEIGHTS = 2;
const NOT_LIVE = 'the engine handle is not live (destroyed, or not made by yhc_engine_create)';
const NULL_ARGS = 'engine, inputs and outputs must not be NULL';

describe('the C ABI under misuse', () => {
  it('returns_a_status_and_names_the_problem_from_c', () => {
    const exe = join(dir, 'misuse');
    const cc = spawnSync('gcc', ['-O1', '-Wall', '-Werror', '-I', join(REPO, 'templates'), join(HERE, 'misuse.c'), '-o', exe, '-ldl', '-pthread'], {
      encoding: 'utf8',
    });
    expect(cc.stderr).toBe('');
    const r = spawnSync(exe, [lib, weights, other, dir], { encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = parse(r.stdout);
    expect(got.get('create_null_out')).toEqual([INVALID, 'engine out-pointer is NULL']);
    expect(got.get('create_null_path')).toEqual([INVALID, 'weights path is NULL']);
    expect(got.get('create_null_path_sets_null')).toEqual([1, '']);
    expect(got.get('create_missing_file')).toEqual([WEIGHTS, 'cannot open weights file /nonexistent/weights.bin']);
    expect(got.get('create_directory')).toEqual([WEIGHTS, `${dir} is not a yhc weights file`]);
    expect(got.get('create_other_build')).toEqual([WEIGHTS, `${other} belongs to another build (build id differs)`]);
    expect(got.get('create_truncated')).toEqual([WEIGHTS, `${dir}/truncated.bin is truncated`]);
    expect(got.get('create_cut_in_header')).toEqual([WEIGHTS, `${dir}/cut_in_header.bin is not a yhc weights file`]);
    expect(got.get('create_header_only')).toEqual([WEIGHTS, `${dir}/header_only.bin is truncated`]);
    expect(got.get('create_bit_flipped')).toEqual([WEIGHTS, `${dir}/flipped.bin is corrupt (checksum mismatch)`]);
    expect(got.get('create')).toEqual([0, '']);
    expect(got.get('run_null_engine')).toEqual([INVALID, NULL_ARGS]);
    expect(got.get('run_null_inputs')).toEqual([INVALID, NULL_ARGS]);
    expect(got.get('run_null_outputs')).toEqual([INVALID, NULL_ARGS]);
    expect(got.get('run_null_input_0')).toEqual([INVALID, 'input 0 is NULL']);
    expect(got.get('run_batch_0')).toEqual([INVALID, 'batch 0 is outside 1..1 (the compiled batch)']);
    expect(got.get('run_batch_negative')).toEqual([INVALID, 'batch -1 is outside 1..1 (the compiled batch)']);
    expect(got.get('run_batch_over_max')).toEqual([INVALID, 'batch 2 is outside 1..1 (the compiled batch)']);
    expect(got.get('run_foreign_pointer')).toEqual([INVALID, NOT_LIVE]);
    expect(got.get('run')).toEqual([0, '']);
    expect(got.get('run_after_destroy')).toEqual([INVALID, NOT_LIVE]);
    expect(got.get('destroy_twice_and_null')).toEqual([0, '']);
    expect(r.stdout).toContain('\nthreads ok\n');
  }, 300_000);

  it('returns_a_status_and_names_the_problem_from_python_ctypes', () => {
    const r = spawnSync('python3', [join(HERE, 'misuse.py'), lib, weights, other, dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = parse(r.stdout);
    expect(got.get('create_null_path')).toEqual([INVALID, 'weights path is NULL']);
    expect(got.get('create_missing_file')).toEqual([WEIGHTS, 'cannot open weights file /nonexistent/weights.bin']);
    expect(got.get('create_other_build')).toEqual([WEIGHTS, `${other} belongs to another build (build id differs)`]);
    expect(got.get('create_bit_flipped')).toEqual([WEIGHTS, `${dir}/flipped_py.bin is corrupt (checksum mismatch)`]);
    expect(got.get('create')).toEqual([0, '']);
    expect(got.get('run_null_engine')).toEqual([INVALID, NULL_ARGS]);
    expect(got.get('run_null_inputs')).toEqual([INVALID, NULL_ARGS]);
    expect(got.get('run_batch_0')).toEqual([INVALID, 'batch 0 is outside 1..1 (the compiled batch)']);
    expect(got.get('run_batch_over_max')).toEqual([INVALID, 'batch 2 is outside 1..1 (the compiled batch)']);
    expect(got.get('run')).toEqual([0, '']);
    expect(got.get('run_after_destroy')).toEqual([INVALID, NOT_LIVE]);
    expect(got.get('destroy_twice_and_null')).toEqual([0, '']);
  }, 120_000);
});
