import { describe, expect, it } from 'vitest';
import { reducedAxes } from '../../src/ops/reduce.js';
import { checkCase, expectInferError, f32, i64, makeNode, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);

const cases: [string, OpCase][] = [
  ['ReduceSum', { name: 'axes_input_keepdims', inputs: [x, i64([1], [1])], outputs: [f32([2, 1], [6, 15])] }],
  ['ReduceSum', { name: 'no_keepdims', attrs: { keepdims: 0 }, inputs: [x, i64([1], [0])], outputs: [f32([3], [5, 7, 9])] }],
  ['ReduceSum', { name: 'all_axes_by_default', inputs: [x], outputs: [f32([1, 1], [21])] }],
  ['ReduceSum', { name: 'empty_axes_reduces_all', inputs: [x, i64([0], [])], outputs: [f32([1, 1], [21])] }],
  ['ReduceSum', { name: 'noop_with_empty_axes', attrs: { noop_with_empty_axes: 1 }, inputs: [x, i64([0], [])], outputs: [x] }],
  ['ReduceSum', { name: 'opset11_axes_attribute', opset: 11, attrs: { axes: [1] }, inputs: [x], outputs: [f32([2, 1], [6, 15])] }],
  ['ReduceSum', { name: 'empty_set_is_zero', inputs: [f32([2, 0], []), i64([1], [1])], outputs: [f32([2, 1], [0, 0])] }],
  ['ReduceSum', { name: 'int32_wraps', inputs: [t('int32', [2], [2147483647, 1]), i64([1], [0])], outputs: [t('int32', [1], [-2147483648])] }],
  ['ReduceMean', { name: 'opset17_axes_attribute', attrs: { axes: [-1] }, inputs: [x], outputs: [f32([2, 1], [2, 5])] }],
  ['ReduceMean', { name: 'opset18_axes_input', opset: 18, inputs: [x, i64([2], [0, 1])], outputs: [f32([1, 1], [3.5])] }],
  [
    'ReduceMean',
    { name: 'spatial_mean_nchw', attrs: { axes: [2, 3] }, inputs: [f32([1, 2, 2, 2], [1, 2, 3, 4, 10, 20, 30, 40])], outputs: [f32([1, 2, 1, 1], [2.5, 25])] },
  ],
  ['ReduceMax', { name: 'values', attrs: { axes: [1], keepdims: 0 }, inputs: [f32([2, 3], [1, 9, 3, -4, -5, -6])], outputs: [f32([2], [9, -4])] }],
  ['ReduceMax', { name: 'nan_propagates', attrs: { axes: [0], keepdims: 0 }, inputs: [f32([3], [1, NaN, 3])], outputs: [f32([], [NaN])] }],
  ['ReduceMax', { name: 'empty_set_is_minus_infinity', opset: 18, inputs: [f32([2, 0], []), i64([1], [1])], outputs: [f32([2, 1], [-Infinity, -Infinity])] }],
  ['ReduceMax', { name: 'bool', opset: 20, inputs: [t('bool', [2, 2], [0, 1, 0, 0]), i64([1], [1])], outputs: [t('bool', [2, 1], [1, 0])] }],
  ['ReduceMin', { name: 'values', attrs: { axes: [0] }, inputs: [x], outputs: [f32([1, 3], [1, 2, 3])] }],
  ['ReduceProd', { name: 'values', attrs: { axes: [1] }, inputs: [x], outputs: [f32([2, 1], [6, 120])] }],
  ['ReduceSumSquare', { name: 'values', attrs: { axes: [1] }, inputs: [x], outputs: [f32([2, 1], [14, 77])] }],
  ['ReduceL2', { name: 'values', attrs: { axes: [1], keepdims: 0 }, inputs: [f32([1, 2], [3, 4])], outputs: [f32([1], [5])] }],
  ['ReduceL1', { name: 'values', attrs: { axes: [1], keepdims: 0 }, inputs: [f32([1, 2], [3, -4])], outputs: [f32([1], [7])] }],
];

describe('Reduce*', () => {
  for (const [op, c] of cases) it(`${op} ${c.name}`, () => checkCase(op, c));

  it('matches onnxruntime over assorted axes of a 4-D tensor', async () => {
    const data = randomTensor([2, 3, 4, 5], 6);
    for (const op of ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin']) {
      for (const axes of [[0], [1], [3], [1, 2], [0, 3], [2, 3], [0, 1, 2, 3]]) {
        for (const keepdims of [0, 1]) {
          const [got] = runOp(op, [data, i64([axes.length], axes)], { keepdims }, { opset: 18 });
          const [want] = await runOrt(op, [data, i64([axes.length], axes)], { keepdims }, { opset: 18 });
          expect([...got!.shape], `${op} ${axes}`).toEqual([...want!.shape]);
          for (let i = 0; i < want!.size; i++) expect(Math.abs(got!.data[i]! - want!.data[i]!)).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('exposes the reduced axes for code generation', () => {
    const b = makeNode('ReduceMean', [x, i64([1], [-1])], {}, { opset: 18 });
    expect(reducedAxes(b.node, 18)).toEqual([1]);
    const noop = makeNode('ReduceSum', [x, i64([0], [])], { noop_with_empty_axes: 1 });
    expect(reducedAxes(noop.node, 17)).toEqual([]);
  });

  it('counts one flop per input element', () => {
    const b = makeNode('ReduceSum', [x, i64([1], [1])]);
    expect(b.def.flops?.(b.node)).toBe(6);
  });

  it('rejects_axis_out_of_range', () => expectInferError('ReduceSum', [x, i64([1], [2])], {}, 'SHAPE', /bad_node.*axis in axes 2/));
  it('rejects_duplicate_axes', () => expectInferError('ReduceMean', [x], { axes: [1, -1] }, 'SHAPE', /more than once/));
  it('rejects_axes_attribute_after_it_became_an_input', () =>
    expectInferError('ReduceMean', [x], { axes: [1] }, 'UNSUPPORTED_ATTRIBUTE', /opset 18/, { opset: 18 }));
  it('rejects_axes_input_before_opset_18', () => expectInferError('ReduceMax', [x, i64([1], [1])], {}, 'SHAPE', /before opset 18/));
  it('rejects_non_constant_axes', () => expectInferError('ReduceSum', [x, { dtype: 'int64', shape: [1] }], {}, 'DYNAMIC_SHAPE'));
  it('rejects_bool_sum', () => expectInferError('ReduceSum', [t('bool', [2], [1, 0])], {}, 'UNSUPPORTED_DTYPE'));
});
