import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor.js';
import { lookupOp, ONNX_OPS, registerOp } from '../../src/ops/index.js';
import type { OpDef } from '../../src/ops/op.js';

/** The ops DESIGN.md and the conformance subset require. */
const REQUIRED = [
  'Conv', 'BatchNormalization', 'InstanceNormalization', 'GroupNormalization', 'Sigmoid', 'Mul', 'Add', 'Sub', 'Div', 'Pow',
  'Mod', 'And', 'Or', 'Not', 'Equal', 'Less', 'Greater', 'Where', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin',
  'ReduceProd', 'ReduceSumSquare', 'Softmax', 'Reshape', 'Transpose', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements',
  'GatherND', 'TopK', 'Flatten', 'Tile', 'Expand', 'Cast', 'Unsqueeze', 'Squeeze', 'Shape', 'ConstantOfShape', 'Identity',
  'ArgMax', 'Clip', 'Erf', 'Exp', 'Gemm', 'HardSigmoid', 'HardSwish', 'LayerNormalization', 'LeakyRelu', 'MatMul', 'MaxPool',
  'Reciprocal', 'Relu', 'Resize', 'Sqrt', 'Tanh', 'Neg', 'Abs', 'Floor', 'Ceil', 'Size',
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
    expect(lookupOp('Conv', 'ai.yhc')).toBeUndefined();
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

  it('registers yhc ops in their own domain', () => {
    const def: OpDef = {
      opType: 'TestOnly',
      domain: 'ai.yhc',
      attributes: [],
      inputs: [1, 1],
      outputs: [1, 1],
      infer: (node) => [{ dtype: node.input(0).dtype, shape: node.input(0).shape }],
      evaluate: (_node, inputs) => [inputs[0] as Tensor],
    };
    registerOp(def);
    expect(lookupOp('TestOnly', 'ai.yhc')).toBe(def);
    expect(() => registerOp({ ...def, domain: '' })).toThrow(/ONNX_OPS/);
  });
});
