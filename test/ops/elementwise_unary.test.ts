import { describe, expect, it } from 'vitest';
import { erf } from '../../src/ops/elementwise_unary.js';
import { checkCase, expectInferError, f32, float, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));

const cases: Record<string, OpCase[]> = {
  Sigmoid: [
    { name: 'values', inputs: [f32([4], [0, 1, -1, 20])], outputs: [f32([4], [0.5, sig(1), sig(-1), sig(20)])] },
    { name: 'saturates_without_overflow', inputs: [f32([2], [-1000, 1000])], outputs: [f32([2], [0, 1])] },
    { name: 'float16', inputs: [t('float16', [1], [1])], outputs: [t('float16', [1], [sig(1)])], rtol: 1e-3 },
  ],
  Relu: [
    { name: 'float', inputs: [f32([3], [-1, 0, 2])], outputs: [f32([3], [0, 0, 2])] },
    { name: 'int32', inputs: [t('int32', [2], [-5, 5])], outputs: [t('int32', [2], [0, 5])] },
  ],
  Exp: [{ name: 'values', inputs: [f32([3], [0, 1, -1])], outputs: [f32([3], [1, Math.E, 1 / Math.E])] }],
  Log: [{ name: 'values', inputs: [f32([3], [1, Math.E, 0])], outputs: [f32([3], [0, 1, -Infinity])] }],
  Erf: [{ name: 'values', inputs: [f32([5], [0, 0.5, -1, 2, 7])], outputs: [f32([5], [0, 0.5204998778, -0.8427007929, 0.995322265, 1])] }],
  Sqrt: [{ name: 'values', inputs: [f32([3], [4, 2, -1])], outputs: [f32([3], [2, Math.SQRT2, NaN])] }],
  Tanh: [{ name: 'values', inputs: [f32([2], [0, 1])], outputs: [f32([2], [0, Math.tanh(1)])] }],
  Neg: [
    { name: 'float', inputs: [f32([2], [1, -2])], outputs: [f32([2], [-1, 2])] },
    { name: 'int8_min_wraps', inputs: [t('int8', [1], [-128])], outputs: [t('int8', [1], [-128])] },
  ],
  Abs: [{ name: 'int', inputs: [t('int32', [2], [-3, 3])], outputs: [t('int32', [2], [3, 3])] }],
  Floor: [{ name: 'values', inputs: [f32([3], [1.5, -1.5, 2])], outputs: [f32([3], [1, -2, 2])] }],
  Ceil: [{ name: 'values', inputs: [f32([3], [1.5, -1.5, 2])], outputs: [f32([3], [2, -1, 2])] }],
  Round: [{ name: 'half_to_even', inputs: [f32([5], [0.5, 1.5, 2.5, -0.5, -1.5])], outputs: [f32([5], [0, 2, 2, -0, -2])] }],
  Reciprocal: [{ name: 'values', inputs: [f32([3], [2, -4, 0])], outputs: [f32([3], [0.5, -0.25, Infinity])] }],
  Not: [{ name: 'bool', inputs: [t('bool', [2], [1, 0])], outputs: [t('bool', [2], [0, 1])] }],
  LeakyRelu: [
    { name: 'default_alpha', inputs: [f32([2], [-1, 1])], outputs: [f32([2], [-0.01, 1])] },
    { name: 'alpha', attrs: { alpha: 0.1 }, inputs: [f32([2], [-2, 2])], outputs: [f32([2], [-0.2, 2])] },
  ],
  HardSigmoid: [
    { name: 'defaults', inputs: [f32([3], [-5, 0, 1])], outputs: [f32([3], [0, 0.5, 0.7])] },
    { name: 'attrs', attrs: { alpha: 0.5, beta: float(0) }, inputs: [f32([3], [-1, 1, 4])], outputs: [f32([3], [0, 0.5, 1])] },
  ],
  HardSwish: [{ name: 'values', inputs: [f32([4], [-4, -1, 1, 4])], outputs: [f32([4], [0, -1 / 3, 2 / 3, 4])] }],
};

describe('unary elementwise ops', () => {
  for (const [op, list] of Object.entries(cases)) {
    describe(op, () => {
      for (const c of list) it(c.name, () => checkCase(op, c));
    });
  }

  it('erf is accurate to double precision', () => {
    expect(erf(0.1)).toBeCloseTo(0.1124629160182849, 15);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 15);
    expect(erf(-2.5)).toBeCloseTo(-0.999593047982555, 14);
    expect(Number.isNaN(erf(NaN))).toBe(true);
  });

  it('matches onnxruntime on random inputs', async () => {
    const x = randomTensor([4, 37], 9);
    for (const op of ['Sigmoid', 'Tanh', 'Exp', 'Erf', 'HardSwish', 'LeakyRelu']) {
      const [got] = runOp(op, [x]);
      const [want] = await runOrt(op, [x]);
      for (let i = 0; i < x.size; i++)
        expect(Math.abs(got!.data[i]! - want!.data[i]!), `${op} ${i}`).toBeLessThan(2e-6 * Math.max(1, Math.abs(want!.data[i]!)));
    }
  });

  describe('errors', () => {
    it('rejects_integer_sigmoid', () => expectInferError('Sigmoid', [t('int32', [1], [1])], {}, 'UNSUPPORTED_DTYPE', /bad_node.*int32/));
    it('rejects_not_on_float', () => expectInferError('Not', [f32([1], [1])], {}, 'UNSUPPORTED_DTYPE'));
    it('rejects_unknown_attribute', () => expectInferError('Relu', [f32([1], [1])], { alpha: 0.5 }, 'UNSUPPORTED_ATTRIBUTE', /"alpha"/));
    it('rejects_two_inputs', () => expectInferError('Relu', [f32([1], [1]), f32([1], [1])], {}, 'ONNX_INVALID'));
  });
});
