import { describe, expect, it } from 'vitest';
import { checkCase, expectInferError, expectYhcError, f32, i64, makeNode, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x = f32([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('Gather', () => {
  const cases: OpCase[] = [
    { name: 'axis_0', inputs: [x, i64([2], [2, 0])], outputs: [f32([2, 3], [7, 8, 9, 1, 2, 3])] },
    { name: 'axis_1_2d_indices', attrs: { axis: 1 }, inputs: [x, i64([1, 2], [0, 2])], outputs: [f32([3, 1, 2], [1, 3, 4, 6, 7, 9])] },
    { name: 'scalar_index_drops_axis', inputs: [x, i64([], [1])], outputs: [f32([3], [4, 5, 6])] },
    { name: 'negative_indices', inputs: [f32([4], [1, 2, 3, 4]), i64([2], [-1, -4])], outputs: [f32([2], [4, 1])] },
    { name: 'int32_indices', inputs: [f32([4], [1, 2, 3, 4]), t('int32', [1], [2])], outputs: [f32([1], [3])] },
    { name: 'shape_element', inputs: [i64([4], [1, 64, 80, 80]), i64([], [0])], outputs: [i64([], [1])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('Gather', c));
  it('rejects_axis_out_of_range', () => expectInferError('Gather', [x, i64([1], [0])], { axis: 2 }, 'SHAPE', /bad_node.*axis 2/));
  it('rejects_float_indices', () => expectInferError('Gather', [x, f32([1], [0])], {}, 'UNSUPPORTED_DTYPE'));
  it('rejects_index_out_of_range_at_evaluation', () => {
    const b = makeNode('Gather', [x, i64([1], [3])], {}, { name: 'bad_node' });
    b.def.infer(b.node, b.opset);
    expectYhcError(() => b.def.evaluate(b.node, b.tensors, b.opset), 'EVAL', /bad_node.*index 3/);
  });
});

describe('GatherElements', () => {
  const cases: OpCase[] = [
    { name: 'axis_0', inputs: [x, i64([2, 3], [1, 2, 0, 2, 0, 0])], outputs: [f32([2, 3], [4, 8, 3, 7, 2, 3])] },
    { name: 'axis_1', attrs: { axis: 1 }, inputs: [f32([2, 2], [1, 2, 3, 4]), i64([2, 2], [0, 0, 1, 0])], outputs: [f32([2, 2], [1, 1, 4, 3])] },
    { name: 'negative_indices', inputs: [x, i64([1, 3], [-1, -2, -3])], outputs: [f32([1, 3], [7, 5, 3])] },
    { name: 'smaller_indices_on_other_axes', attrs: { axis: 1 }, inputs: [x, i64([2, 1], [2, 0])], outputs: [f32([2, 1], [3, 4])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('GatherElements', c));
  it('matches onnxruntime (the decoder gathers top-k anchors this way)', async () => {
    const data = randomTensor([1, 50, 6], 3);
    const idx = i64(
      [1, 7, 6],
      Array.from({ length: 42 }, (_, i) => (i * 7) % 50),
    );
    const [got] = runOp('GatherElements', [data, idx], { axis: 1 });
    const [want] = await runOrt('GatherElements', [data, idx], { axis: 1 });
    expect(Array.from(got!.data)).toEqual(Array.from(want!.data));
  });
  it('rejects_rank_mismatch', () => expectInferError('GatherElements', [x, i64([3], [0, 0, 0])], {}, 'SHAPE', /same rank/));
  it('rejects_indices_larger_than_data', () => expectInferError('GatherElements', [x, i64([1, 4], [0, 0, 0, 0])], {}, 'SHAPE', /exceed/));
});

describe('GatherND', () => {
  const d = f32([2, 2], [0, 1, 2, 3]);
  const cases: OpCase[] = [
    { name: 'full_index', inputs: [d, i64([2, 2], [0, 0, 1, 1])], outputs: [f32([2], [0, 3])] },
    { name: 'slice_index', inputs: [d, i64([2, 1], [1, 0])], outputs: [f32([2, 2], [2, 3, 0, 1])] },
    {
      name: 'batch_dims_1',
      attrs: { batch_dims: 1 },
      inputs: [f32([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]), i64([2, 1], [1, 0])],
      outputs: [f32([2, 2], [2, 3, 4, 5])],
    },
    { name: 'negative_index', inputs: [d, i64([1, 2], [-1, -2])], outputs: [f32([1], [2])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('GatherND', c));
  it('matches onnxruntime with batch_dims', async () => {
    const data = randomTensor([2, 3, 4, 5], 8);
    const idx = i64([2, 3, 2, 1], [0, 3, 1, 2, 2, 1, 3, 0, 1, 1, 2, 3]);
    const [got] = runOp('GatherND', [data, idx], { batch_dims: 2 });
    const [want] = await runOrt('GatherND', [data, idx], { batch_dims: 2 });
    expect([...got!.shape]).toEqual([...want!.shape]);
    expect(Array.from(got!.data)).toEqual(Array.from(want!.data));
  });
  it('rejects_index_tuple_too_long', () => expectInferError('GatherND', [d, i64([1, 3], [0, 0, 0])], {}, 'SHAPE', /last dim 3/));
  it('rejects_batch_dims_mismatch', () =>
    expectInferError('GatherND', [f32([2, 2], [0, 1, 2, 3]), i64([3, 1], [0, 0, 0])], { batch_dims: 1 }, 'SHAPE', /batch dim 0/));
});
