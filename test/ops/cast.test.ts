import { describe, it } from 'vitest';
import { checkCase, expectInferError, f32, i64, t, type OpCase } from './helpers.js';

// TensorProto.DataType codes.
const FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  BFLOAT16 = 16,
  FLOAT8E4M3FN = 17,
  STRING = 8;

const cases: OpCase[] = [
  { name: 'float_to_int_truncates', attrs: { to: INT64 }, inputs: [f32([4], [1.9, -1.9, 0.5, -0.5])], outputs: [i64([4], [1, -1, 0, -0])] },
  { name: 'float_to_int32', attrs: { to: INT32 }, inputs: [f32([2], [3.7, -2.2])], outputs: [t('int32', [2], [3, -2])] },
  { name: 'int_to_int8_wraps', attrs: { to: INT8 }, inputs: [i64([3], [127, 128, -129])], outputs: [t('int8', [3], [127, -128, 127])] },
  { name: 'int_to_uint8_wraps', attrs: { to: UINT8 }, inputs: [i64([2], [256, -1])], outputs: [t('uint8', [2], [0, 255])] },
  { name: 'to_bool', attrs: { to: BOOL }, inputs: [f32([4], [0, 2, -0.5, NaN])], outputs: [t('bool', [4], [0, 1, 1, 1])] },
  { name: 'bool_to_float', attrs: { to: FLOAT }, inputs: [t('bool', [2], [1, 0])], outputs: [f32([2], [1, 0])] },
  { name: 'int64_to_float', attrs: { to: FLOAT }, inputs: [i64([2], [16777217, -3])], outputs: [f32([2], [16777216, -3])] },
  { name: 'float_to_float16_rounds', attrs: { to: FLOAT16 }, inputs: [f32([2], [1.0001, 65520])], outputs: [t('float16', [2], [1, Infinity])] },
  { name: 'float_to_bfloat16', attrs: { to: BFLOAT16 }, inputs: [f32([1], [1.00390625])], outputs: [t('bfloat16', [1], [1])] },
  { name: 'float_to_double', attrs: { to: DOUBLE }, inputs: [f32([1], [0.1])], outputs: [t('float64', [1], [Math.fround(0.1)])] },
  {
    name: 'float_to_int_saturates_out_of_range',
    attrs: { to: INT32 },
    inputs: [f32([4], [1e10, -1e10, Infinity, -Infinity])],
    outputs: [t('int32', [4], [2147483647, -2147483648, 2147483647, -2147483648])],
  },
  { name: 'float_to_int_nan_is_zero', attrs: { to: INT8 }, inputs: [f32([3], [NaN, 300, -300])], outputs: [t('int8', [3], [0, 127, -128])] },
  { name: 'saturate_accepted', attrs: { to: FLOAT, saturate: 1 }, opset: 19, inputs: [i64([1], [3])], outputs: [f32([1], [3])] },
];

describe('Cast', () => {
  for (const c of cases) it(c.name, () => checkCase('Cast', c));
  it('rejects_float8_target', () => expectInferError('Cast', [f32([1], [1])], { to: FLOAT8E4M3FN }, 'UNSUPPORTED_DTYPE', /bad_node.*FLOAT8E4M3FN/));
  it('rejects_string_target', () => expectInferError('Cast', [f32([1], [1])], { to: STRING }, 'UNSUPPORTED_DTYPE', /STRING/));
  it('rejects_missing_to', () => expectInferError('Cast', [f32([1], [1])], {}, 'ONNX_INVALID', /"to"/));
});

describe('CastLike', () => {
  it('casts to the second input dtype', () =>
    checkCase('CastLike', { name: 'like', opset: 15, inputs: [f32([2], [1.5, -2.5]), t('int32', [0], [])], outputs: [t('int32', [2], [1, -2])] }));
});
