import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModel } from '../../src/check/check.js';
import { runReference } from '../../src/check/oracle.js';
import { detectionShift } from '../../src/golden/detection_shift.js';
import { quantizedDetectionsOk } from '../../src/golden/quantized.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { Tensor } from '../../src/tensor.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { readFloats } from '../helpers/tensors.js';

/**
 * The 320-pixel quantized fixtures (onnxruntime's quantize_dynamic and QDQ quantize_static of
 * yolov10n_e2e_320): the interpreter runs their int8 arithmetic and must find the detections of
 * onnxruntime (graph optimizations off) by the quantized rule; compiled with --dequantize they
 * run on the float kernels, match onnxruntime on the dequantized graph (fp32 rule), and the
 * report says how far they moved from the int8 result. Without --dequantize both run in int8
 * (test/golden/int8_models.test.ts, test/golden/qdq_models.test.ts).
 */
const MODELS = join(REPO, 'test', 'data', 'models');
const NAMES = ['yolov10n_e2e_320_int8_dynamic', 'yolov10n_e2e_320_qdq'];
const images = (name: string) => readFloats(join(MODELS, `${name}.input.images.bin`));
const { dir, cleanup } = tempDir('yhc-quant-');

describe.each(NAMES)('%s', (name) => {
  const model = join(MODELS, `${name}.onnx`);

  it('the interpreter finds onnxruntime int8 detections (quantized rule)', async () => {
    const x = images(name);
    const got = runGraph(loadModel(model), { images: new Tensor('float32', [1, 3, 320, 320], x) })['output0']!.data;
    const ref = await runReference(model, { images: { dtype: 'float32', shape: [1, 3, 320, 320], data: x } }, { optimizations: 'disabled' });
    const shift = detectionShift(got, ref['output0']!.data as Float32Array, [1, 300, 6]);
    expect(quantizedDetectionsOk(shift), JSON.stringify(shift)).toBe(true);
  }, 120_000);

  it('compiles with --dequantize and matches onnxruntime on the dequantized graph', async () => {
    const report = await checkModel(model, { dequantize: true, inputs: { images: images(name) }, outDir: join(dir, name), cacheDir: TEST_CACHE });
    expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
    const d = report.dequantized![0]!;
    if (!('shift' in d)) throw new Error('output0 should be compared as detections');
    const shift = d.shift;
    // Measured (bench/RESULTS.md): 104/124 and 87/127 of the int8 detections found.
    expect(shift.matched, JSON.stringify(shift)).toBeGreaterThanOrEqual(0.6 * shift.reference);
  }, 600_000);
});

it('cleans up', () => cleanup());
