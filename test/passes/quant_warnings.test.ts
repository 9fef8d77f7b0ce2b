import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizationWarnings } from '../../passes/quant_warnings.js';
import { inspectModel } from '../../src/inspect.js';
import { loadModel } from '../../src/onnx/load.js';
import { REPO } from '../helpers/paths.js';

/**
 * `yhc inspect` warns about the int8 YOLO that "detects nothing": an output Concat of boxes and
 * Sigmoid scores quantized under one scale (test/data/quant/make_qdq_concat.py writes such a model
 * with onnxruntime's own quantize_static).
 */
const MODEL = join(REPO, 'test', 'data', 'quant', 'qdq_concat_boxes_scores.onnx');

describe('quantization warnings', () => {
  it('names_the_concat_and_both_value_ranges', () => {
    const [w, ...rest] = inspectModel(MODEL).warnings;
    expect(rest).toEqual([]);
    expect(w).toMatch(
      /^node "\/Concat_2" \(Concat\) joins scores in \[0, 1\] \(input 1, from a Sigmoid\) and values in \[0, 383\.1\] \(input 0\) under one output scale 1\.502/,
    );
    expect(w).toMatch(/the scores keep 2 level\(s\)/);
  });

  it('stays_quiet_on_a_qdq_model_whose_postprocess_is_float', () => {
    expect(quantizationWarnings(loadModel(join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320_qdq.onnx')))).toEqual([]);
  });

  it('stays_quiet_on_a_float_model', () => {
    expect(quantizationWarnings(loadModel(join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx')))).toEqual([]);
  });
});
