import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { checkOutput } from '../../src/golden/check_output.js';
import { FP32_RTOL } from '../../src/golden/compare.js';
import { runReference } from '../../src/check/oracle.js';
import type { DType } from '../../src/dtype.js';
import { typedArrayFromBytes, type TypedArray } from '../../src/typed_arrays.js';
import { fixture, randomInputs } from '../helpers/golden.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * Each fixture's host engine built with -fsanitize=address,undefined (engine code, kernels and
 * the emulation) and run once from a native driver linked with the same runtimes
 * (test/runtime/native/engine_driver.cpp; node cannot load such a library): no report, and the
 * outputs still match onnxruntime.
 */
const { dir, cleanup } = tempDir('yhc-sanitized-');
afterAll(cleanup);

const env = {
  ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};
const MODEL_320 = join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx');
const CASES = [
  { name: 'tiny_head', model: fixture('tiny_head') },
  { name: 'tiny_head_raw', model: fixture('tiny_head_raw') },
  { name: 'v10head_n', model: fixture('v10head_n') },
  { name: 'v10head_n_unfused', model: fixture('v10head_n_unfused') },
  { name: 'v10head_n_dynbatch', model: fixture('v10head_n_dynbatch') },
  { name: 'improved_head_s', model: fixture('improved_head_s') },
  { name: 'yolov10n_e2e_320', model: MODEL_320 },
];

let driver: string;
beforeAll(async () => {
  driver = join(dir, 'engine_driver');
  await execa('g++', [
    '-std=c++17',
    '-O1',
    '-fsanitize=address,undefined',
    '-fno-omit-frame-pointer',
    join(REPO, 'test', 'runtime', 'native', 'engine_driver.cpp'),
    '-o',
    driver,
    '-ldl',
  ]);
}, 120_000);

describe.each(CASES)('$name under -fsanitize=address,undefined', ({ name, model }) => {
  it('runs clean from a native driver and matches onnxruntime', async () => {
    const outDir = join(dir, name);
    const { manifest } = await compileModel(model, { outDir, target: 'host', sanitize: true, cacheDir: TEST_CACHE });
    const inputs: Record<string, TypedArray> = randomInputs(manifest.inputs, 41);
    const inFiles = manifest.inputs.map((info, i) => {
      const file = join(outDir, `in${i}.bin`);
      const a = inputs[info.name]!;
      writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return file;
    });
    const outFiles = manifest.outputs.map((_, i) => join(outDir, `out${i}.bin`));
    const r = await execa(driver, [join(outDir, manifest.library!), join(outDir, 'weights.bin'), ...inFiles, '--', ...outFiles], {
      env: { ...process.env, ...env },
      reject: false,
      timeout: 300_000,
    });
    expect(r.stderr).not.toMatch(/AddressSanitizer|runtime error|LeakSanitizer/);
    expect(r.exitCode, r.stderr).toBe(0);
    const feeds = Object.fromEntries(manifest.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: inputs[i.name]! }]));
    const ref = await runReference(model, feeds);
    manifest.outputs.forEach((info, k) => {
      const got = typedArrayFromBytes(readFileSync(outFiles[k]!), info.dtype as DType);
      const result = checkOutput(info, got, ref[info.name]!, FP32_RTOL);
      expect(result.ok, `${info.name}: ${result.detail}`).toBe(true);
    });
  }, 1_800_000); // a loaded 2-core machine: a sanitized build of tiny_head took 6 minutes
});
