import { describe, expect, it } from 'vitest';
import { fileStems } from '../../src/cli/file_names.js';
import { createFailure } from '../../src/runtime/engine.js';
import { fixture } from '../helpers/paths.js';
import { yhcHere } from './run_in_process.js';

/** Usage errors say what is wrong in yhc's words, on one line. */
const usage = async (...args: string[]) => {
  const r = await yhcHere(...args);
  expect(r.status, args.join(' ')).toBe(2);
  return r.stderr;
};

describe('yhc messages', () => {
  it('suggest_the_nearest_option_for_a_misspelled_one', async () => {
    expect(await usage('compile', fixture('tiny_head'), '--targt', 'host')).toBe('yhc: error[USAGE]: unknown option --targt (did you mean --target?)\n');
    expect(await usage('check', fixture('tiny_head'), '--input', 'x')).toBe('yhc: error[USAGE]: unknown option --input (did you mean --inputs?)\n');
    expect(await usage('run', 'dir', '--frobnicate')).toBe('yhc: error[USAGE]: unknown option --frobnicate (see yhc run --help)\n');
    expect(await usage('inspect', 'm.onnx', '-x')).toBe('yhc: error[USAGE]: unknown option -x (see yhc inspect --help)\n');
  });

  it('take_a_value_that_starts_with_a_dash_and_say_what_is_wrong_with_it', async () => {
    expect(await usage('compile', fixture('tiny_head'), '--batch', '-1')).toBe('yhc: error[USAGE]: --batch must be a positive integer, got "-1"\n');
    expect(await usage('inspect', fixture('tiny_head'), '--batch', '-1')).toBe('yhc: error[USAGE]: --batch must be a positive integer, got "-1"\n');
  });

  it('say_when_an_option_lacks_its_value_or_is_given_twice', async () => {
    expect(await usage('compile', fixture('tiny_head'), '-o')).toBe('yhc: error[USAGE]: option --out needs a value (see yhc compile --help)\n');
    expect(await usage('compile', fixture('tiny_head'), '--out', '--json')).toBe('yhc: error[USAGE]: option --out needs a value (see yhc compile --help)\n');
    expect(await usage('compile', fixture('tiny_head'), '--json=yes')).toBe('yhc: error[USAGE]: option --json takes no value, got "--json=yes"\n');
    expect(await usage('compile', fixture('tiny_head'), '--batch', '2', '--batch', '4')).toBe('yhc: error[USAGE]: option --batch is given more than once\n');
  });

  it('reject_a_repeated_input_naming_it', async () => {
    expect(await usage('run', 'dir', '--input', 'p5=a.bin', '--input', 'p5=b.bin')).toBe(
      'yhc: error[USAGE]: --input p5=… is given more than once ("a.bin" and "b.bin")\n',
    );
  });

  it('give_the_reason_a_path_cannot_be_inspected_or_run', async () => {
    expect(await usage('inspect', 'nope_dir')).toBe('yhc: error[IO]: cannot inspect "nope_dir": no such file or directory\n');
    expect(await usage('run', 'nope_dir')).toBe('yhc: error[IO]: cannot read build directory "nope_dir": no such file or directory\n');
  });

  it('reject_flags_that_would_do_nothing', async () => {
    expect(await usage('compile', fixture('tiny_head'), '--target', 'host', '--arch', 'sm_80')).toMatch(/--arch takes effect only with --target cuda/);
    expect(await usage('compile', fixture('tiny_head'), '--no-build', '--jobs', '2')).toMatch(/--jobs takes effect only without --no-build/);
    expect(await usage('check', fixture('tiny_head'), '--arch', 'sm_80')).toMatch(/--arch takes effect only with --target cuda/);
    expect(await usage('check', fixture('tiny_head'), '--inputs', 'dir', '--seed', '3')).toMatch(/--seed takes effect only without --inputs/);
    expect(await usage('inspect', fixture('tiny_head'), '--precision', 'fp16')).toMatch(/--precision takes effect only with --cost/);
  });

  it('point_a_cuda_build_without_a_gpu_at_the_host_target', () => {
    const noDriver = 'cudaMalloc(weights): cudaErrorInsufficientDriver (CUDA driver version is insufficient for CUDA runtime version)';
    expect(createFailure('cuda', noDriver)).toMatch(/cudaErrorInsufficientDriver .*; yhc compile --target host builds one that runs on the CPU\)$/);
    expect(createFailure('cuda', 'cudaMalloc(arena): cudaErrorMemoryAllocation')).not.toMatch(/--target host/);
  });

  it('name_saved_outputs_after_the_outputs_escaped_for_a_file_system', () => {
    expect(fileStems(['detections', 'num_dets', '/model.23/Concat_5', '..', 'a b', 'Détections', '', 'DETECTIONS'], (i) => `output${i}`)).toEqual([
      'detections',
      'num_dets',
      '%2Fmodel.23%2FConcat_5',
      '%2E.',
      'a%20b',
      'D%C3%A9tections',
      'output6',
      'output7',
    ]);
  });
});
