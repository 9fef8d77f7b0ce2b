import { describe, expect, it } from 'vitest';
import { checkCase, expectInferError, f32, i64, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x = f32([2, 4], [1, 4, 2, 3, 7, 5, 6, 5]);

const cases: OpCase[] = [
  { name: 'largest_sorted', inputs: [x, i64([1], [2])], outputs: [f32([2, 2], [4, 3, 7, 6]), i64([2, 2], [1, 3, 0, 2])] },
  { name: 'smallest', attrs: { largest: 0 }, inputs: [x, i64([1], [2])], outputs: [f32([2, 2], [1, 2, 5, 5]), i64([2, 2], [0, 2, 1, 3])] },
  { name: 'axis_0', attrs: { axis: 0 }, inputs: [x, i64([1], [1])], outputs: [f32([1, 4], [7, 5, 6, 5]), i64([1, 4], [1, 1, 1, 1])] },
  {
    name: 'ties_broken_by_lower_index',
    inputs: [f32([6], [3, 5, 5, 1, 5, 3]), i64([1], [4])],
    outputs: [f32([4], [5, 5, 5, 3]), i64([4], [1, 2, 4, 0])],
  },
  {
    name: 'ties_smallest_lower_index_first',
    attrs: { largest: 0 },
    inputs: [i64([5], [2, 1, 2, 1, 0]), i64([1], [3])],
    outputs: [i64([3], [0, 1, 1]), i64([3], [4, 1, 3])],
  },
  { name: 'k_zero', inputs: [x, i64([1], [0])], outputs: [f32([2, 0], []), i64([2, 0], [])] },
  { name: 'nan_ranks_highest', inputs: [f32([3], [1, NaN, 2]), i64([1], [2])], outputs: [f32([2], [NaN, 2]), i64([2], [1, 2])] },
  { name: 'uint64', inputs: [t('uint64', [3], [5, 9, 1]), i64([1], [1])], outputs: [t('uint64', [1], [9]), i64([1], [1])] },
];

describe('TopK', () => {
  for (const c of cases) it(c.name, () => checkCase('TopK', c));

  it('matches onnxruntime, ties included, on an 8400-anchor row (decoder-sized)', async () => {
    // Quantized scores make many exact ties.
    const scores = f32(
      [1, 8400],
      Array.from(randomTensor([8400], 4).data, (v) => Math.round(v * 50) / 50),
    );
    const k = i64([1], [300]);
    const [vals, idx] = runOp('TopK', [scores, k], {}, { outputs: 2 });
    const [wv, wi] = await runOrt('TopK', [scores, k], {}, { outputs: 2 });
    expect(Array.from(vals!.data)).toEqual(Array.from(wv!.data));
    expect(Array.from(idx!.data)).toEqual(Array.from(wi!.data));
  });

  it('rejects_k_larger_than_axis', () => expectInferError('TopK', [x, i64([1], [5])], {}, 'SHAPE', /bad_node.*k = 5/, { outputs: 2 }));
  it('rejects_non_constant_k', () => expectInferError('TopK', [x, { dtype: 'int64', shape: [1] }], {}, 'DYNAMIC_SHAPE', /input 1/, { outputs: 2 }));
  it('rejects_axis_out_of_range', () => expectInferError('TopK', [x, i64([1], [1])], { axis: 2 }, 'SHAPE', /axis 2/, { outputs: 2 }));
  it('rejects_bool_input', () => expectInferError('TopK', [t('bool', [2], [1, 0]), i64([1], [1])], {}, 'UNSUPPORTED_DTYPE', undefined, { outputs: 2 }));
});
