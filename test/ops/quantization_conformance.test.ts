import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importModel, type ImportOptions } from '../../src/onnx/import.js';
import { decodeModel } from '../../src/onnx/load.js';
import { readTensorProtoFile } from '../../src/onnx/tensor_proto.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { runCase } from '../../tools/conformance_report.mjs';

/**
 * The ONNX conformance cases of ConvInteger, MatMulInteger, QLinearConv (opset 10) and
 * DynamicQuantizeLinear (opset 11, and its function expansion) import an opset older than yhc
 * accepts (13). These ops have not changed since, so the cases run here with the model's opset
 * import raised to 13 and must match the recorded outputs exactly (integers) or within ONNX's
 * tolerance (the float scales).
 */
const DATA = join(import.meta.dirname, '../data/onnx-node-tests');
const CASES = [
  'test_convinteger_with_padding',
  'test_convinteger_without_padding',
  'test_matmulinteger',
  'test_qlinearconv',
  'test_dynamicquantizelinear',
  'test_dynamicquantizelinear_max_adjusted',
  'test_dynamicquantizelinear_min_adjusted',
  'test_dynamicquantizelinear_expanded',
  'test_dynamicquantizelinear_max_adjusted_expanded',
  'test_dynamicquantizelinear_min_adjusted_expanded',
];

function loadAtOpset13(path: string, options: ImportOptions = {}) {
  const model = decodeModel(readFileSync(path), path);
  for (const o of model.opsetImport ?? []) if (!o.domain || o.domain === 'ai.onnx') o.version = Math.max(13, Number(o.version));
  return importModel(model, options);
}

describe('quantization conformance cases at opset 13', () => {
  const api = { loadModel: loadAtOpset13, decodeModel, readTensorProtoFile, runGraph };
  for (const name of CASES) {
    it(name, () => {
      const r = runCase(api, DATA, name);
      expect(r.status, `${r.code ?? ''} ${r.message ?? ''}`).toBe('pass');
    });
  }
});
