import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { checkModel } from '../../src/check/check.js';
import { expectMatchesOnnxRuntime, expectMatchesPerImage, randomInputs, withEngine } from '../helpers/golden.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { readFloats } from '../helpers/tensors.js';

/**
 * The 640-pixel whole-model fixtures (YOLOv10-N and its dynamo export, YOLOv10-S with the
 * improved head, YOLOv8-N and YOLO11-N raw), read from the shared fixture folder — too large for
 * the repository — and checked under host emulation against onnxruntime on their recorded inputs
 * (fp32, and fp16 storage), and compiled with --batch 2 (re-batched static exports) on the recorded input and a
 * seeded random one in one run, each image against onnxruntime on the batch-1 model. The folder is `../shared/fixtures/models` beside the checkout, or $YHC_MODEL_FIXTURES;
 * when it is missing every test here FAILS naming it: these checks are not optional.
 */
const DIR = resolve(process.env['YHC_MODEL_FIXTURES'] ?? join(REPO, '..', 'shared', 'fixtures', 'models'));
const MODELS = ['yolov10n_e2e', 'yolov10n_e2e_dynamo', 'yolov8n_raw', 'yolo11n_raw', 'yolov10s_improved_e2e'];

const { dir, cleanup } = tempDir('yhc-models-640-');
afterAll(cleanup);

function requireFixture(file: string): string {
  const path = join(DIR, file);
  if (!existsSync(path)) {
    throw new Error(`whole-model fixture ${path} is missing: the 640-pixel golden tests read ${DIR} (set YHC_MODEL_FIXTURES to where the shared fixtures are)`);
  }
  return path;
}

describe('640-pixel whole models (fp32 and fp16, host emulation)', () => {
  it(`the shared fixture folder ${DIR} is present`, () => {
    expect(existsSync(DIR), `${DIR} is missing: the 640-pixel golden tests cannot run`).toBe(true);
  });

  it.each(MODELS)('%s matches onnxruntime on its recorded input', async (name) => {
    await checkRecorded(name, 'fp32');
  });

  // fp16 storage: the 1e-2 rule, detection scores at 3e-2 (docs/golden_rules.md says why).
  it.each(MODELS)('%s with fp16 storage matches onnxruntime on its recorded input', async (name) => {
    await checkRecorded(name, 'fp16');
  });

  it.each(MODELS)('%s at --batch 2 matches onnxruntime per image (recorded + seeded random)', async (name) => {
    const model = requireFixture(`${name}.onnx`);
    const recorded = readFloats(requireFixture(`${name}.input.images.bin`));
    const random = randomInputs([{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640], bytes: recorded.byteLength }], 5)['images'] as Float32Array;
    const outDir = join(dir, `${name}_b2`);
    const { manifest } = await compileModel(model, { outDir, target: 'host', batch: 2, cacheDir: TEST_CACHE });
    expect(manifest.dynamicBatch).toBe(true);
    await withEngine(outDir, (engine) => expectMatchesPerImage(model, engine, 'images', [recorded, random]));
  });
});

async function checkRecorded(name: string, precision: 'fp32' | 'fp16'): Promise<void> {
  const model = requireFixture(`${name}.onnx`);
  const images = readFloats(requireFixture(`${name}.input.images.bin`));
  const outDir = join(dir, `${name}_${precision}`);
  await compileModel(model, { outDir, target: 'host', precision, cacheDir: TEST_CACHE });
  await withEngine(outDir, (engine) => expectMatchesOnnxRuntime(model, engine, { images }));
}

/**
 * The checked host build (--check, docs/checker.md) of the whole models the 320-pixel suite does
 * not hold (test/golden/checked.test.ts runs YOLOv10-N at 320 and the heads): every access of
 * every kernel checked for races, bounds, uninitialized reads and alignment on the recorded input.
 * About 170 s of CPU each.
 */
const CHECKED = ['yolov8n_raw', 'yolo11n_raw'];

describe('640-pixel whole models under --check (fp32, host emulation)', () => {
  it.each(CHECKED)('%s runs clean and matches onnxruntime', async (name) => {
    const model = requireFixture(`${name}.onnx`);
    const images = readFloats(requireFixture(`${name}.input.images.bin`));
    const report = await checkModel(model, { check: true, inputs: { images }, outDir: join(dir, `${name}_checked`), cacheDir: TEST_CACHE });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
  });
});

/** The quantized exports of the same models, run in float with --dequantize (docs/golden_rules.md, "Quantized models"). */
const QUANTIZED = ['yolov10n_e2e_qdq', 'yolov8n_raw_qdq', 'yolov8n_raw_uint8_dynamic'];

describe('640-pixel quantized models with --dequantize (fp32, host emulation)', () => {
  it.each(QUANTIZED)('%s matches onnxruntime on the dequantized graph', async (name) => {
    const model = requireFixture(`${name}.onnx`);
    const images = readFloats(requireFixture(`${name}.input.images.bin`));
    const report = await checkModel(model, { dequantize: true, inputs: { images }, outDir: join(dir, name), cacheDir: TEST_CACHE });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
    expect(report.dequantized?.length).toBe(1);
  });
});

/**
 * The same quantized exports run in int8 (QConv kernels, host emulation) against onnxruntime with
 * optimizations off, by the quantized whole-model rule (docs/golden_rules.md): the raw heads with
 * --decode nms. On the two raw models the reference is not reproducible (yhc's interpreter finds
 * 29/63 and 53/134 of it), so the engine is held to 80% of the interpreter's count; the report says so.
 */
const INT8: readonly [string, 'nms' | null][] = [
  ['yolov10n_e2e_qdq', null],
  ['yolov8n_raw_qdq', 'nms'],
  ['yolov8n_raw_uint8_dynamic', 'nms'],
];

describe('640-pixel quantized models in int8 (fp32 float tensors, host emulation)', () => {
  it.each(INT8)('%s passes the quantized rule on its recorded input', async (name, decode) => {
    const model = requireFixture(`${name}.onnx`);
    const images = readFloats(requireFixture(`${name}.input.images.bin`));
    const report = await checkModel(model, {
      inputs: { images },
      ...(decode ? { decode: { format: decode } } : {}),
      outDir: join(dir, `${name}_int8`),
      cacheDir: TEST_CACHE,
    });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
    const detections = report.outputs.find((o) => o.rule === 'detections')!;
    expect(detections.detail).toMatch(/reference detections scoring >= 0.25 found/);
    if (decode)
      expect(detections.detail).toMatch(
        /the reference is not reproducible on this input: yhc's reference interpreter, running the same arithmetic, finds \d+\/\d+ of it/,
      );
  });
});
