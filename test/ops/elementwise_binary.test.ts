import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor.js';
import { checkCase, expectInferError, f32, i64, makeNode, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const cases: Record<string, OpCase[]> = {
  Add: [
    { name: 'same_shape', inputs: [f32([2, 2], [1, 2, 3, 4]), f32([2, 2], [10, 20, 30, 40])], outputs: [f32([2, 2], [11, 22, 33, 44])] },
    { name: 'broadcast_row', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [10, 20, 30])], outputs: [f32([2, 3], [11, 22, 33, 14, 25, 36])] },
    { name: 'broadcast_column', inputs: [f32([2, 1], [1, 2]), f32([1, 3], [10, 20, 30])], outputs: [f32([2, 3], [11, 21, 31, 12, 22, 32])] },
    { name: 'scalar', inputs: [f32([3], [1, 2, 3]), f32([], [0.5])], outputs: [f32([3], [1.5, 2.5, 3.5])] },
    {
      name: 'per_channel_bias',
      inputs: [f32([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), f32([1, 2, 1, 1], [100, 200])],
      outputs: [f32([1, 2, 2, 2], [101, 102, 103, 104, 205, 206, 207, 208])],
    },
    { name: 'int8_wraps', inputs: [t('int8', [2], [127, -128]), t('int8', [2], [1, -1])], outputs: [t('int8', [2], [-128, 127])] },
    { name: 'uint8_wraps', inputs: [t('uint8', [2], [255, 0]), t('uint8', [2], [1, 0])], outputs: [t('uint8', [2], [0, 0])] },
    { name: 'int32_wraps', inputs: [t('int32', [1], [2147483647]), t('int32', [1], [1])], outputs: [t('int32', [1], [-2147483648])] },
    { name: 'float16_rounds', inputs: [t('float16', [1], [1]), t('float16', [1], [0.0001])], outputs: [t('float16', [1], [1])] },
    { name: 'empty', inputs: [f32([0, 3], []), f32([3], [1, 2, 3])], outputs: [f32([0, 3], [])] },
  ],
  Sub: [
    { name: 'broadcast', inputs: [f32([2, 2], [5, 6, 7, 8]), f32([2, 1], [1, 2])], outputs: [f32([2, 2], [4, 5, 5, 6])] },
    { name: 'uint32_wraps', inputs: [t('uint32', [1], [0]), t('uint32', [1], [1])], outputs: [t('uint32', [1], [4294967295])] },
  ],
  Mul: [
    { name: 'silu_style', inputs: [f32([3], [1, -2, 3]), f32([3], [0.5, 0.25, 2])], outputs: [f32([3], [0.5, -0.5, 6])] },
    {
      name: 'int32_wraps_exactly',
      inputs: [t('int32', [1], [65536 * 3 + 7]), t('int32', [1], [65536 * 5 + 11])],
      outputs: [t('int32', [1], [Math.imul(65536 * 3 + 7, 65536 * 5 + 11)])],
    },
    { name: 'int64_large_product', inputs: [i64([1], [3037000499]), i64([1], [3037000499])], outputs: [i64([1], [Number(3037000499n * 3037000499n)])] },
  ],
  Div: [
    { name: 'float', inputs: [f32([2], [1, -3]), f32([2], [4, 2])], outputs: [f32([2], [0.25, -1.5])] },
    {
      name: 'int_truncates_toward_zero',
      inputs: [t('int32', [4], [7, -7, 7, -7]), t('int32', [4], [2, 2, -2, -2])],
      outputs: [t('int32', [4], [3, -3, -3, 3])],
    },
    { name: 'int64_truncates', inputs: [i64([2], [-1, -5]), i64([2], [3, 3])], outputs: [i64([2], [0, -1])] },
    { name: 'float_by_zero', inputs: [f32([3], [1, -1, 0]), f32([3], [0, 0, 0])], outputs: [f32([3], [Infinity, -Infinity, NaN])] },
  ],
  Pow: [
    { name: 'float', inputs: [f32([3], [2, 4, 9]), f32([3], [3, 0.5, 0.5])], outputs: [f32([3], [8, 2, 3])] },
    { name: 'float_base_int_exponent', inputs: [f32([2], [2, 3]), i64([2], [2, 3])], outputs: [f32([2], [4, 27])] },
    { name: 'int_base_float_exponent', inputs: [t('int32', [2], [4, 9]), f32([2], [0.5, 1.5])], outputs: [t('int32', [2], [2, 27])] },
    { name: 'simam_square', inputs: [f32([2], [-3, 0.5]), f32([], [2])], outputs: [f32([2], [9, 0.25])] },
  ],
  Mod: [
    { name: 'int_sign_of_divisor', inputs: [t('int32', [4], [5, -5, 5, -5]), t('int32', [4], [3, 3, -3, -3])], outputs: [t('int32', [4], [2, 1, -1, -2])] },
    {
      name: 'int_fmod_sign_of_dividend',
      attrs: { fmod: 1 },
      inputs: [t('int32', [4], [5, -5, 5, -5]), t('int32', [4], [3, 3, -3, -3])],
      outputs: [t('int32', [4], [2, -2, 2, -2])],
    },
    { name: 'float_fmod', attrs: { fmod: 1 }, inputs: [f32([2], [5.5, -5.5]), f32([2], [2, 2])], outputs: [f32([2], [1.5, -1.5])] },
    { name: 'int64_index_mod', inputs: [i64([3], [0, 81, 163]), i64([], [80])], outputs: [i64([3], [0, 1, 3])] },
  ],
  Equal: [
    { name: 'int', inputs: [t('int32', [3], [1, 2, 3]), t('int32', [3], [1, 0, 3])], outputs: [t('bool', [3], [1, 0, 1])] },
    { name: 'bool', inputs: [t('bool', [2], [1, 0]), t('bool', [2], [1, 1])], outputs: [t('bool', [2], [1, 0])] },
    { name: 'nan_is_not_equal', inputs: [f32([1], [NaN]), f32([1], [NaN])], outputs: [t('bool', [1], [0])] },
  ],
  Less: [{ name: 'broadcast', inputs: [f32([3], [1, 2, 3]), f32([], [2])], outputs: [t('bool', [3], [1, 0, 0])] }],
  Greater: [{ name: 'broadcast', inputs: [f32([3], [1, 2, 3]), f32([], [2])], outputs: [t('bool', [3], [0, 0, 1])] }],
  LessOrEqual: [{ name: 'ints', inputs: [i64([3], [1, 2, 3]), i64([1], [2])], outputs: [t('bool', [3], [1, 1, 0])] }],
  GreaterOrEqual: [{ name: 'ints', inputs: [i64([3], [1, 2, 3]), i64([1], [2])], outputs: [t('bool', [3], [0, 1, 1])] }],
  And: [{ name: 'truth_table', inputs: [t('bool', [4], [0, 0, 1, 1]), t('bool', [4], [0, 1, 0, 1])], outputs: [t('bool', [4], [0, 0, 0, 1])] }],
  Or: [{ name: 'truth_table', inputs: [t('bool', [4], [0, 0, 1, 1]), t('bool', [4], [0, 1, 0, 1])], outputs: [t('bool', [4], [0, 1, 1, 1])] }],
  Xor: [{ name: 'truth_table', inputs: [t('bool', [4], [0, 0, 1, 1]), t('bool', [4], [0, 1, 0, 1])], outputs: [t('bool', [4], [0, 1, 1, 0])] }],
  Max: [
    { name: 'variadic_broadcast', inputs: [f32([3], [1, 5, 3]), f32([], [2]), f32([1], [4])], outputs: [f32([3], [4, 5, 4])] },
    { name: 'nan_propagates', inputs: [f32([2], [NaN, 1]), f32([2], [1, NaN])], outputs: [f32([2], [NaN, NaN])] },
  ],
  Min: [{ name: 'two', inputs: [f32([3], [1, 5, 3]), f32([3], [2, 2, 2])], outputs: [f32([3], [1, 2, 2])] }],
};

describe('binary elementwise ops', () => {
  for (const [op, list] of Object.entries(cases)) {
    describe(op, () => {
      for (const c of list) it(c.name, () => checkCase(op, c));
    });
  }

  it('broadcasts like onnxruntime over a 4-D shape with interleaved unit dims', async () => {
    const a = randomTensor([2, 1, 3, 1], 3);
    const b = randomTensor([1, 4, 1, 5], 4);
    for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
      const [got] = runOp(op, [a, b]);
      const [want] = await runOrt(op, [a, b]);
      expect(Array.from(got!.data)).toEqual(Array.from(want!.data));
    }
  });

  it('reports flops of about one per output element', () => {
    const b = makeNode('Add', [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [1, 2, 3])]);
    const [ty] = b.def.infer(b.node, b.opset);
    b.node.outputs[0]!.shape = [...ty!.shape];
    expect(b.def.flops ? b.def.flops(b.node) : 6).toBe(6);
  });

  describe('errors', () => {
    it('rejects_incompatible_broadcast', () =>
      expectInferError('Add', [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([2], [1, 2])], {}, 'SHAPE', /bad_node.*broadcast.*\[2,3\].*\[2\]/));
    it('rejects_mixed_dtypes', () => expectInferError('Mul', [f32([1], [1]), i64([1], [1])], {}, 'UNSUPPORTED_DTYPE', /bad_node.*int64/));
    it('rejects_bool_arithmetic', () => expectInferError('Add', [t('bool', [1], [1]), t('bool', [1], [1])], {}, 'UNSUPPORTED_DTYPE'));
    it('rejects_and_on_floats', () => expectInferError('And', [f32([1], [1]), f32([1], [1])], {}, 'UNSUPPORTED_DTYPE'));
    it('rejects_float_mod_without_fmod', () => expectInferError('Mod', [f32([1], [1]), f32([1], [1])], {}, 'ONNX_INVALID', /fmod=1/));
    it('rejects_unknown_attribute', () => expectInferError('Add', [f32([1], [1]), f32([1], [1])], { axis: 1 }, 'UNSUPPORTED_ATTRIBUTE', /"axis"/));
  });

  it('evaluates inputs given only at run time (non-constant values)', () => {
    const [y] = runOp('Add', [f32([2], [1, 2]), f32([2], [3, 4])], {}, { dynamic: true });
    expect(Array.from(y!.data)).toEqual([4, 6]);
    expect(y).toBeInstanceOf(Tensor);
  });
});
