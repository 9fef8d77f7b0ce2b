import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor.js';
import { checkCase, expectInferError, f32, i64, makeNode, randomTensor, runOp, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x234 = f32(
  [2, 3, 4],
  Array.from({ length: 24 }, (_, i) => i),
);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('Reshape', () => {
  const cases: OpCase[] = [
    { name: 'explicit', inputs: [x234, i64([2], [4, 6])], outputs: [f32([4, 6], range(24))] },
    { name: 'zero_copies_dim', inputs: [x234, i64([3], [0, 4, 3])], outputs: [f32([2, 4, 3], range(24))] },
    { name: 'minus_one_infers', inputs: [x234, i64([2], [-1, 2])], outputs: [f32([12, 2], range(24))] },
    { name: 'zero_and_minus_one', inputs: [x234, i64([3], [0, -1, 2])], outputs: [f32([2, 6, 2], range(24))] },
    { name: 'allowzero_keeps_zero', opset: 14, attrs: { allowzero: 1 }, inputs: [f32([0, 3], []), i64([2], [3, 0])], outputs: [f32([3, 0], [])] },
    { name: 'to_scalar', inputs: [f32([1, 1], [7]), i64([0], [])], outputs: [f32([], [7])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Reshape', c));
  it('rejects_non_constant_reshape_shape', () => expectInferError('Reshape', [x234, { dtype: 'int64', shape: [2] }], {}, 'DYNAMIC_SHAPE', /bad_node.*input 1/));
  it('rejects_element_count_mismatch', () => expectInferError('Reshape', [x234, i64([2], [5, 5])], {}, 'SHAPE', /bad_node.*24 elements/));
  it('rejects_two_minus_ones', () => expectInferError('Reshape', [x234, i64([2], [-1, -1])], {}, 'SHAPE', /more than one -1/));
  it('rejects_zero_and_minus_one_with_allowzero', () =>
    expectInferError('Reshape', [f32([0, 3], []), i64([2], [0, -1])], { allowzero: 1 }, 'SHAPE', /allowzero/, { opset: 14 }));
  it('shares the input data (a view)', () => {
    const [y] = runOp('Reshape', [x234, i64([1], [-1])]);
    expect(y!.data).toBe(x234.data);
  });
});

describe('Flatten', () => {
  const cases: OpCase[] = [
    { name: 'default_axis', inputs: [x234], outputs: [f32([2, 12], range(24))] },
    { name: 'axis_0', attrs: { axis: 0 }, inputs: [x234], outputs: [f32([1, 24], range(24))] },
    { name: 'axis_rank', attrs: { axis: 3 }, inputs: [x234], outputs: [f32([24, 1], range(24))] },
    { name: 'negative_axis', attrs: { axis: -1 }, inputs: [x234], outputs: [f32([6, 4], range(24))] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Flatten', c));
  it('rejects_axis_out_of_range', () => expectInferError('Flatten', [x234], { axis: 4 }, 'SHAPE', /bad_node.*axis 4/));
});

describe('Squeeze / Unsqueeze', () => {
  const y = f32([1, 3, 1], [1, 2, 3]);
  const cases: [string, OpCase][] = [
    ['Squeeze', { name: 'axes_input', inputs: [y, i64([1], [0])], outputs: [f32([3, 1], [1, 2, 3])] }],
    ['Squeeze', { name: 'all_unit_dims', inputs: [y], outputs: [f32([3], [1, 2, 3])] }],
    ['Squeeze', { name: 'negative_axis', inputs: [y, i64([1], [-1])], outputs: [f32([1, 3], [1, 2, 3])] }],
    ['Squeeze', { name: 'opset11_attribute', opset: 11, attrs: { axes: [0, 2] }, inputs: [y], outputs: [f32([3], [1, 2, 3])] }],
    ['Unsqueeze', { name: 'axes_input', inputs: [f32([3], [1, 2, 3]), i64([2], [0, 2])], outputs: [f32([1, 3, 1], [1, 2, 3])] }],
    ['Unsqueeze', { name: 'unsorted_negative', inputs: [f32([3], [1, 2, 3]), i64([2], [-1, 0])], outputs: [f32([1, 3, 1], [1, 2, 3])] }],
    ['Unsqueeze', { name: 'scalar', inputs: [f32([], [5]), i64([1], [0])], outputs: [f32([1], [5])] }],
    ['Unsqueeze', { name: 'opset11_attribute', opset: 11, attrs: { axes: [1] }, inputs: [f32([3], [1, 2, 3])], outputs: [f32([3, 1], [1, 2, 3])] }],
  ];
  for (const [op, c] of cases) it(`${op} ${c.name}`, () => checkCase(op, c));
  it('rejects_squeezing_a_non_unit_dim', () => expectInferError('Squeeze', [y, i64([1], [1])], {}, 'SHAPE', /bad_node.*axis 1/));
  it('rejects_axis_out_of_range', () => expectInferError('Unsqueeze', [y, i64([1], [5])], {}, 'SHAPE', /out of range/));
  it('rejects_duplicate_axes', () => expectInferError('Unsqueeze', [y, i64([2], [0, 0])], {}, 'SHAPE', /more than once/));
  it('rejects_axes_attribute_at_opset_13', () => expectInferError('Squeeze', [y], { axes: [0] }, 'UNSUPPORTED_ATTRIBUTE', /opset 13/));
  it('rejects_non_constant_axes', () => expectInferError('Unsqueeze', [y, { dtype: 'int64', shape: [1] }], {}, 'DYNAMIC_SHAPE'));
});

describe('Transpose', () => {
  const cases: OpCase[] = [
    { name: 'default_reverses', inputs: [f32([2, 3], [1, 2, 3, 4, 5, 6])], outputs: [f32([3, 2], [1, 4, 2, 5, 3, 6])] },
    { name: 'perm_021', attrs: { perm: [0, 2, 1] }, inputs: [f32([1, 2, 3], [1, 2, 3, 4, 5, 6])], outputs: [f32([1, 3, 2], [1, 4, 2, 5, 3, 6])] },
    { name: 'identity_perm', attrs: { perm: [0, 1] }, inputs: [f32([2, 2], [1, 2, 3, 4])], outputs: [f32([2, 2], [1, 2, 3, 4])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Transpose', c));
  it('matches onnxruntime for every permutation of a 4-D tensor', async () => {
    const x = randomTensor([2, 3, 4, 5], 11);
    const perms = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [0, 2, 3, 1],
      [1, 0, 3, 2],
      [2, 0, 1, 3],
    ];
    for (const perm of perms) {
      const [got] = runOp('Transpose', [x], { perm });
      const [want] = await runOrt('Transpose', [x], { perm });
      expect([...got!.shape]).toEqual([...want!.shape]);
      expect(Array.from(got!.data)).toEqual(Array.from(want!.data));
    }
  });
  it('rejects_invalid_perm', () => expectInferError('Transpose', [f32([2, 2], [1, 2, 3, 4])], { perm: [0, 0] }, 'SHAPE', /bad_node.*perm/));
  it('rejects_perm_of_wrong_length', () => expectInferError('Transpose', [f32([2, 2], [1, 2, 3, 4])], { perm: [0] }, 'SHAPE', /perm/));
});

describe('Expand', () => {
  const cases: OpCase[] = [
    { name: 'to_larger_rank', inputs: [f32([3, 1], [1, 2, 3]), i64([3], [2, 1, 2])], outputs: [f32([2, 3, 2], [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])] },
    { name: 'bidirectional_keeps_larger_input_dims', inputs: [f32([3, 1], [1, 2, 3]), i64([2], [1, 2])], outputs: [f32([3, 2], [1, 1, 2, 2, 3, 3])] },
    { name: 'shape_of_ones', inputs: [f32([2], [1, 2]), i64([1], [1])], outputs: [f32([2], [1, 2])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Expand', c));
  it('rejects_incompatible_shape', () => expectInferError('Expand', [f32([3], [1, 2, 3]), i64([1], [2])], {}, 'SHAPE', /bad_node.*broadcast/));
  it('rejects_non_constant_shape', () => expectInferError('Expand', [f32([3], [1, 2, 3]), { dtype: 'int64', shape: [1] }], {}, 'DYNAMIC_SHAPE'));
});

describe('Tile', () => {
  const cases: OpCase[] = [
    { name: 'repeats', inputs: [f32([2, 2], [1, 2, 3, 4]), i64([2], [2, 1])], outputs: [f32([4, 2], [1, 2, 3, 4, 1, 2, 3, 4])] },
    { name: 'inner_repeat', inputs: [f32([2], [1, 2]), i64([1], [3])], outputs: [f32([6], [1, 2, 1, 2, 1, 2])] },
    { name: 'zero_repeats', inputs: [f32([2], [1, 2]), i64([1], [0])], outputs: [f32([0], [])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Tile', c));
  it('matches onnxruntime', async () => {
    const x = randomTensor([2, 3, 1], 5);
    const reps = i64([3], [2, 1, 3]);
    const [got] = runOp('Tile', [x, reps]);
    const [want] = await runOrt('Tile', [x, reps]);
    expect(Array.from(got!.data)).toEqual(Array.from(want!.data));
  });
  it('rejects_repeats_of_wrong_length', () => expectInferError('Tile', [f32([2], [1, 2]), i64([2], [1, 1])], {}, 'SHAPE', /bad_node.*rank 1/));
  it('rejects_negative_repeats', () => expectInferError('Tile', [f32([2], [1, 2]), i64([1], [-1])], {}, 'SHAPE', /negative/));
});

describe('data movement ops', () => {
  it('report no flops', () => {
    for (const op of ['Reshape', 'Transpose', 'Tile']) {
      const b = makeNode(op, op === 'Transpose' ? [f32([1], [1])] : [f32([1], [1]), i64([1], [1])]);
      expect(b.def.flops?.(b.node)).toBe(0);
    }
  });
  it('keep integer data exact', () => {
    const big = new Tensor('int64', [2], Float64Array.from([2 ** 53, -(2 ** 53)]));
    const [y] = runOp('Tile', [big, i64([1], [2])]);
    expect(Array.from(y!.data)).toEqual([2 ** 53, -(2 ** 53), 2 ** 53, -(2 ** 53)]);
  });
});
