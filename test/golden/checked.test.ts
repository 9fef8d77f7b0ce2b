import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModel, type CheckOptions } from '../../src/check/check.js';
import { compileModel } from '../../src/compile.js';
import { Engine } from '../../src/runtime/engine.js';
import { expectMatchesOnnxRuntime, expectMatchesPerImage, fixture, randomInputs, recordedInputs } from '../helpers/golden.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * Every head fixture and the whole YOLOv10-N at 320 (batch 1, and 2: channel-range views) in the checked host build (--check,
 * docs/checker.md): kernels instrumented, every access checked for races, bounds, uninitialized
 * reads and alignment, every sync for divergence. A report fails the run (the engine's error names
 * the kernel, tensor and line); a clean run must still match onnxruntime.
 */
const { dir, cleanup } = tempDir('yhc-checked-');
afterAll(cleanup);

const MODEL_320 = join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx');
// perImage: a static batch-1 export re-batched by --batch: onnxruntime runs each image alone.
const CASES: { name: string; model: string; batch?: number; recorded: boolean; precision?: 'fp16'; perImage?: boolean }[] = [
  { name: 'tiny_head', model: fixture('tiny_head'), recorded: true },
  { name: 'tiny_head_raw', model: fixture('tiny_head_raw'), recorded: true },
  { name: 'v10head_n', model: fixture('v10head_n'), recorded: true },
  { name: 'v10head_n_unfused', model: fixture('v10head_n_unfused'), recorded: false },
  { name: 'v10head_n_dynbatch', model: fixture('v10head_n_dynbatch'), batch: 2, recorded: false },
  { name: 'improved_head_s', model: fixture('improved_head_s'), recorded: false },
  { name: 'improved_head_s', model: fixture('improved_head_s'), recorded: false, precision: 'fp16' },
  { name: 'yolov10n_e2e_320', model: MODEL_320, recorded: false },
  // Channel-range views at batch 2: every range read and written through its image stride.
  { name: 'yolov10n_e2e_320', model: MODEL_320, batch: 2, recorded: false, perImage: true },
];

describe.each(CASES)('$name under --check (batch $batch, $precision)', ({ name, model, batch, recorded, precision, perImage }) => {
  it('runs clean and matches onnxruntime', async () => {
    const outDir = join(dir, `${name}_b${batch ?? 1}${precision ?? ''}`);
    const { manifest } = await compileModel(model, {
      outDir,
      target: 'host',
      check: true,
      cacheDir: TEST_CACHE,
      ...(batch ? { batch } : {}),
      ...(precision ? { precision } : {}),
    });
    expect(manifest.library).toMatch(/\.so$/);
    const engine = Engine.load(outDir);
    try {
      const inputs = recorded ? recordedInputs(name, engine.manifest) : randomInputs(engine.manifest.inputs, 31);
      const [input] = engine.manifest.inputs;
      if (perImage) {
        const all = inputs[input!.name] as Float32Array;
        const per = all.length / batch!;
        const images = Array.from({ length: batch! }, (_, i) => all.slice(i * per, (i + 1) * per));
        await expectMatchesPerImage(model, engine, input!.name, images);
      } else await expectMatchesOnnxRuntime(model, engine, inputs);
      // A second run (once: checked runs are slow): activations are unwritten again at its start.
      if (name === 'tiny_head') await expectMatchesOnnxRuntime(model, engine, randomInputs(engine.manifest.inputs, 32));
    } finally {
      engine.dispose();
    }
  }, 1_800_000); // a loaded 2-core machine: a checked v10head_n run took 9 minutes
});

/**
 * The kernels the whole models gained since: int8 QConv (QDQ static and dynamic quantization,
 * tensor-core mma fragments, the statistics launch) and the letterbox read inside the stem conv
 * (uint8 frames of four sizes; the letterbox on tiny models), under --check through `yhc check`'s own
 * rules (the quantized whole-model rule for the int8 ones, on their recorded inputs).
 */
const MODELS_DIR = join(REPO, 'test', 'data', 'models');
const WHOLE: { name: string; model: string; options: Partial<CheckOptions> }[] = [
  { name: 'yolov10n_e2e_320_qdq (int8 QConv, static)', model: join(MODELS_DIR, 'yolov10n_e2e_320_qdq.onnx'), options: { inputsDir: MODELS_DIR } },
  {
    name: 'yolov10n_e2e_320_int8_dynamic (int8 QConv, dynamic)',
    model: join(MODELS_DIR, 'yolov10n_e2e_320_int8_dynamic.onnx'),
    options: { inputsDir: MODELS_DIR },
  },
  // Two bgr8 frames of the four sizes yhc check cycles through: fused into the stem conv, and (a
  // Sigmoid reads the frames first) as its own letterbox kernel. The 320 whole model on rgb8
  // frames runs clean too (bench/RESULTS.md), in 97 s here: too long for every CI run.
  {
    name: 'tiny_raw bgr8 frames (letterbox in the stem)',
    model: join(REPO, 'test', 'data', 'letterbox', 'tiny_raw.onnx'),
    options: { frame: { format: 'bgr8', width: 64, height: 48 }, batch: 2 },
  },
  {
    name: 'tiny_sigmoid bgr8 frames (the letterbox kernel)',
    model: join(REPO, 'test', 'data', 'letterbox', 'tiny_sigmoid.onnx'),
    options: { frame: { format: 'bgr8', width: 64, height: 48 }, batch: 2 },
  },
];

describe.each(WHOLE)('$name under --check', ({ name, model, options }) => {
  it('runs clean and passes yhc check', async () => {
    const report = await checkModel(model, {
      ...options,
      check: true,
      outDir: join(dir, name.split(' ')[0]! + (options.frame ? '_frames' : '')),
      cacheDir: TEST_CACHE,
    });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
  }, 1_800_000);
});
