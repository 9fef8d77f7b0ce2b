import { describe, expect, it } from 'vitest';
import { lookupOp, ONNX_OPS } from '../../src/ops/index.js';
import { YHC_OPS } from '../../src/ops/yhc/index.js';

/** The ops exported heads contain (the fixtures' op counts in test/data/fixtures/*.json, README "Ops") and the conformance subset requires. */
const REQUIRED = [
  'Conv',
  'BatchNormalization',
  'InstanceNormalization',
  'GroupNormalization',
  'Sigmoid',
  'Mul',
  'Add',
  'Sub',
  'Div',
  'Pow',
  'Mod',
  'And',
  'Or',
  'Not',
  'Equal',
  'Less',
  'Greater',
  'Where',
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceSumSquare',
  'Softmax',
  'Reshape',
  'Transpose',
  'Concat',
  'Split',
  'Slice',
  'Gather',
  'GatherElements',
  'GatherND',
  'TopK',
  'Flatten',
  'Tile',
  'Expand',
  'Cast',
  'Unsqueeze',
  'Squeeze',
  'Shape',
  'ConstantOfShape',
  'Identity',
  'ArgMax',
  'Clip',
  'Erf',
  'Exp',
  'Gemm',
  'HardSigmoid',
  'HardSwish',
  'LayerNormalization',
  'LeakyRelu',
  'MatMul',
  'MaxPool',
  'Reciprocal',
  'Relu',
  'Resize',
  'Sqrt',
  'Tanh',
  'Neg',
  'Abs',
  'Floor',
  'Ceil',
  'Size',
];

describe('op registry', () => {
  it('has every required op', () => {
    for (const op of REQUIRED) expect(lookupOp(op, ''), op).toBeDefined();
  });

  it('accepts "ai.onnx" as the default domain', () => {
    expect(lookupOp('Conv', 'ai.onnx')).toBe(lookupOp('Conv', ''));
  });

  it('has no Constant (the importer folds Constant nodes) and no unknown ops', () => {
    expect(lookupOp('Constant', '')).toBeUndefined();
    expect(lookupOp('NotAnOp', '')).toBeUndefined();
    expect(lookupOp('Relu', 'ai.yhc')).toBeUndefined();
    expect(lookupOp('Conv', 'com.example')).toBeUndefined();
  });

  it('lists each op once, in ai.onnx, with sane arities', () => {
    const seen = new Set<string>();
    for (const d of ONNX_OPS) {
      expect(seen.has(d.opType), d.opType).toBe(false);
      seen.add(d.opType);
      expect(d.domain).toBe('');
      expect(d.inputs[0]).toBeLessThanOrEqual(d.inputs[1]);
      expect(d.outputs[0]).toBeGreaterThanOrEqual(1);
    }
  });

  it('finds yhc ops in their own domain only', () => {
    expect(YHC_OPS.length).toBeGreaterThan(0);
    for (const def of YHC_OPS) {
      expect(def.domain).toBe('ai.yhc');
      expect(lookupOp(def.opType, 'ai.yhc')).toBe(def);
    }
    expect(lookupOp('Affine', '')).toBeUndefined();
  });
});
