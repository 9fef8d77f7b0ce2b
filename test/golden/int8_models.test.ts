import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModel } from '../../src/check/check.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { readFloats } from '../helpers/tensors.js';

/**
 * yolov10n_e2e_320_int8_dynamic compiled WITHOUT --dequantize: its 83 QConvs run the int8
 * kernels (qconv_input_range + qconv_tiled / qconv_direct) under host emulation, and `yhc check`
 * holds the detections to the quantized whole-model rule against onnxruntime (graph
 * optimizations off): at least 80% of its detections scoring >= 0.25 found. Measured on the
 * recorded input: 112/124 in fp32 and in fp16 storage (the interpreter: 112/124).
 */
const NAME = 'yolov10n_e2e_320_int8_dynamic';
const model = join(REPO, 'test', 'data', 'models', `${NAME}.onnx`);
const { dir, cleanup } = tempDir('yhc-int8-');
afterAll(cleanup);

describe(NAME, () => {
  it.each(['fp32', 'fp16'] as const)(
    'runs in int8 (%s storage of float tensors) and finds onnxruntime int8 detections',
    async (precision) => {
      const images = readFloats(join(REPO, 'test', 'data', 'models', `${NAME}.input.images.bin`));
      const report = await checkModel(model, { precision, inputs: { images }, outDir: join(dir, precision), cacheDir: TEST_CACHE });
      expect(report.ok, JSON.stringify(report.outputs)).toBe(true);
      expect(report.outputs[0]!.detail).toMatch(/^\d+\/\d+ reference detections scoring >= 0.25 found/);
    },
    900_000,
  );
});
