import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor.js';
import { checkCase, expectInferError, f32, i64, makeNode, runOp, t, type OpCase } from './helpers.js';

const x = f32([3, 4, 5], new Array(60).fill(1));

describe('Shape', () => {
  const cases: OpCase[] = [
    { name: 'full', inputs: [x], outputs: [i64([3], [3, 4, 5])] },
    { name: 'start', opset: 15, attrs: { start: 1 }, inputs: [x], outputs: [i64([2], [4, 5])] },
    { name: 'end_negative', opset: 15, attrs: { end: -1 }, inputs: [x], outputs: [i64([2], [3, 4])] },
    { name: 'clamped', opset: 15, attrs: { start: -10, end: 10 }, inputs: [x], outputs: [i64([3], [3, 4, 5])] },
    { name: 'start_after_end_is_empty', opset: 15, attrs: { start: 2, end: 1 }, inputs: [x], outputs: [i64([0], [])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Shape', c));
  it('is computable from the input type alone', () => {
    const b = makeNode('Shape', [{ dtype: 'float32', shape: [1, 64, 80, 80] }], { start: 2 }, { opset: 15 });
    const [v] = b.def.valueFromTypes!(b.node, 15);
    expect(Array.from(v!.data)).toEqual([80, 80]);
  });
});

describe('Size', () => {
  it('counts elements', () => checkCase('Size', { name: 'count', inputs: [x], outputs: [i64([], [60])] }));
  it('is computable from the input type alone', () => {
    const b = makeNode('Size', [{ dtype: 'float32', shape: [2, 3] }]);
    expect(Array.from(b.def.valueFromTypes!(b.node, 17)[0]!.data)).toEqual([6]);
  });
});

describe('ConstantOfShape', () => {
  const cases: OpCase[] = [
    { name: 'default_float_zero', inputs: [i64([2], [2, 2])], outputs: [f32([2, 2], [0, 0, 0, 0])] },
    { name: 'int64_value', attrs: { value: Tensor.from('int64', [1], [7]) }, inputs: [i64([1], [3])], outputs: [i64([3], [7, 7, 7])] },
    { name: 'scalar_output', attrs: { value: Tensor.from('float32', [1], [2.5]) }, inputs: [i64([0], [])], outputs: [f32([], [2.5])] },
    { name: 'zero_dim', inputs: [i64([2], [0, 3])], outputs: [f32([0, 3], [])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('ConstantOfShape', c));
  it('rejects_non_constant_shape', () => expectInferError('ConstantOfShape', [{ dtype: 'int64', shape: [2] }], {}, 'DYNAMIC_SHAPE', /bad_node/));
  it('rejects_negative_dim', () => expectInferError('ConstantOfShape', [i64([1], [-1])], {}, 'SHAPE', /negative/));
  it('rejects_multi_element_value', () =>
    expectInferError('ConstantOfShape', [i64([1], [2])], { value: Tensor.from('float32', [2], [1, 2]) }, 'SHAPE', /one element/));
});

describe('Identity', () => {
  it('passes the tensor through', () => {
    const v = t('int32', [2], [1, 2]);
    const [y] = runOp('Identity', [v]);
    expect(y).toBe(v);
  });
});
