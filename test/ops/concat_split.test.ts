import { describe, expect, it } from 'vitest';
import { checkCase, expectInferError, f32, i64, makeNode, runOp, type OpCase } from './helpers.js';

describe('Concat', () => {
  const cases: OpCase[] = [
    { name: 'axis_0', attrs: { axis: 0 }, inputs: [f32([1, 2], [1, 2]), f32([2, 2], [3, 4, 5, 6])], outputs: [f32([3, 2], [1, 2, 3, 4, 5, 6])] },
    { name: 'axis_1', attrs: { axis: 1 }, inputs: [f32([2, 1], [1, 2]), f32([2, 2], [3, 4, 5, 6])], outputs: [f32([2, 3], [1, 3, 4, 2, 5, 6])] },
    {
      name: 'negative_axis_three_inputs',
      attrs: { axis: -1 },
      inputs: [f32([2, 1], [1, 2]), f32([2, 1], [3, 4]), f32([2, 1], [5, 6])],
      outputs: [f32([2, 3], [1, 3, 5, 2, 4, 6])],
    },
    { name: 'empty_input', attrs: { axis: 0 }, inputs: [f32([0, 2], []), f32([1, 2], [1, 2])], outputs: [f32([1, 2], [1, 2])] },
    { name: 'int64_shape_pieces', attrs: { axis: 0 }, inputs: [i64([1], [1]), i64([2], [-1, 80])], outputs: [i64([3], [1, -1, 80])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Concat', c));
  it('rejects_mismatched_dims', () =>
    expectInferError('Concat', [f32([2, 1], [1, 2]), f32([3, 1], [1, 2, 3])], { axis: 1 }, 'SHAPE', /bad_node.*input 1.*\[3,1\]/));
  it('rejects_axis_out_of_range', () => expectInferError('Concat', [f32([2], [1, 2])], { axis: 1 }, 'SHAPE', /axis 1 is out of range/));
  it('rejects_missing_axis', () => expectInferError('Concat', [f32([2], [1, 2])], {}, 'ONNX_INVALID', /"axis"/));
  it('rejects_mixed_dtypes', () => expectInferError('Concat', [f32([1], [1]), i64([1], [1])], { axis: 0 }, 'UNSUPPORTED_DTYPE'));
});

describe('Split', () => {
  const x = f32([2, 6], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const cases: OpCase[] = [
    { name: 'equal_parts_by_output_count', attrs: { axis: 1 }, inputs: [x], outputs: [f32([2, 3], [1, 2, 3, 7, 8, 9]), f32([2, 3], [4, 5, 6, 10, 11, 12])] },
    { name: 'split_input', attrs: { axis: 1 }, inputs: [x, i64([2], [2, 4])], outputs: [f32([2, 2], [1, 2, 7, 8]), f32([2, 4], [3, 4, 5, 6, 9, 10, 11, 12])] },
    { name: 'axis_0', inputs: [x, i64([2], [1, 1])], outputs: [f32([1, 6], [1, 2, 3, 4, 5, 6]), f32([1, 6], [7, 8, 9, 10, 11, 12])] },
    { name: 'zero_sized_part', inputs: [f32([2], [1, 2]), i64([3], [0, 2, 0])], outputs: [f32([0], []), f32([2], [1, 2]), f32([0], [])] },
    {
      name: 'opset18_num_outputs_uneven',
      opset: 18,
      attrs: { num_outputs: 4 },
      inputs: [f32([7], [1, 2, 3, 4, 5, 6, 7])],
      outputs: [f32([2], [1, 2]), f32([2], [3, 4]), f32([2], [5, 6]), f32([1], [7])],
    },
    {
      name: 'opset11_split_attribute',
      opset: 11,
      attrs: { axis: 1, split: [5, 1] },
      inputs: [x],
      outputs: [f32([2, 5], [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]), f32([2, 1], [6, 12])],
    },
  ];
  for (const c of cases) it(c.name, () => checkCase('Split', c));

  const bad = (inputs: Parameters<typeof makeNode>[1], attrs: Record<string, number | number[]>, outputs: number, opset = 17) => {
    const b = makeNode('Split', inputs, attrs, { outputs, opset, name: 'bad_node' });
    return () => b.def.infer(b.node, b.opset);
  };
  it('rejects_split_not_summing_to_dim', () => expect(bad([x, i64([2], [2, 2])], { axis: 1 }, 2)).toThrow(/bad_node.*add up to.*6/));
  it('rejects_uneven_equal_split', () => expect(bad([x], { axis: 1 }, 4)).toThrow(/4 equal parts/));
  it('rejects_num_outputs_mismatch', () => expect(bad([x], { num_outputs: 3 }, 2, 18)).toThrow(/num_outputs is 3/));
  it('rejects_num_outputs_before_opset_18', () => expect(bad([x], { num_outputs: 2 }, 2, 17)).toThrow(/opset 18/));
  it('rejects_non_constant_split', () => expect(bad([x, { dtype: 'int64', shape: [2] }], { axis: 1 }, 2)).toThrow(/constant/));

  it('num_outputs parts come out as ceil(dim/n)', () => {
    const ys = runOp(
      'Split',
      [
        f32(
          [2, 8],
          Array.from({ length: 16 }, (_, i) => i),
        ),
      ],
      { axis: 1, num_outputs: 3 },
      { opset: 18, outputs: 3 },
    );
    expect(ys.map((y) => y.shape[1])).toEqual([3, 3, 2]);
  });
});
