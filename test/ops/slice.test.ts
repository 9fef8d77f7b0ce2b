import { describe, expect, it } from 'vitest';
import { sliceView } from '../../src/ops/slice.js';
import { checkCase, expectInferError, f32, i64, makeNode, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const INT64_MAX = 2 ** 63;
const INT64_MIN = -(2 ** 63);
const x = f32([3, 4], [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);

const cases: OpCase[] = [
  { name: 'basic', inputs: [x, i64([2], [1, 0]), i64([2], [3, 2])], outputs: [f32([2, 2], [10, 11, 20, 21])] },
  { name: 'axes', inputs: [x, i64([1], [1]), i64([1], [3]), i64([1], [1])], outputs: [f32([3, 2], [1, 2, 11, 12, 21, 22])] },
  { name: 'negative_axes_and_starts', inputs: [x, i64([1], [-2]), i64([1], [INT64_MAX]), i64([1], [-1])], outputs: [f32([3, 2], [2, 3, 12, 13, 22, 23])] },
  { name: 'steps', inputs: [x, i64([1], [0]), i64([1], [4]), i64([1], [1]), i64([1], [2])], outputs: [f32([3, 2], [0, 2, 10, 12, 20, 22])] },
  {
    name: 'negative_step_reverses',
    inputs: [x, i64([1], [-1]), i64([1], [INT64_MIN]), i64([1], [1]), i64([1], [-1])],
    outputs: [f32([3, 4], [3, 2, 1, 0, 13, 12, 11, 10, 23, 22, 21, 20])],
  },
  { name: 'negative_step_2', inputs: [x, i64([1], [10]), i64([1], [0]), i64([1], [1]), i64([1], [-2])], outputs: [f32([3, 2], [3, 1, 13, 11, 23, 21])] },
  { name: 'end_clamped', inputs: [x, i64([1], [1]), i64([1], [1000]), i64([1], [0])], outputs: [f32([2, 4], [10, 11, 12, 13, 20, 21, 22, 23])] },
  { name: 'start_beyond_end_is_empty', inputs: [x, i64([1], [3]), i64([1], [1]), i64([1], [0])], outputs: [f32([0, 4], [])] },
  { name: 'int32_indices', inputs: [x, t('int32', [1], [1]), t('int32', [1], [2])], outputs: [f32([1, 4], [10, 11, 12, 13])] },
  { name: 'opset1_attributes', opset: 9, attrs: { starts: [1], ends: [2], axes: [0] }, inputs: [x], outputs: [f32([1, 4], [10, 11, 12, 13])] },
];

describe('Slice', () => {
  for (const c of cases) it(c.name, () => checkCase('Slice', c));

  it('matches onnxruntime on mixed steps', async () => {
    const data = randomTensor([5, 6, 7], 2);
    const args = [data, i64([3], [4, 1, -1]), i64([3], [0, 6, -8]), i64([3], [0, 1, 2]), i64([3], [-2, 2, -3])];
    const [got] = runOp('Slice', args);
    const [want] = await runOrt('Slice', args);
    expect([...got!.shape]).toEqual([...want!.shape]);
    expect(Array.from(got!.data)).toEqual(Array.from(want!.data));
  });

  it('exposes the strided view it reads for code generation', () => {
    const b = makeNode('Slice', [x, i64([1], [-1]), i64([1], [INT64_MIN]), i64([1], [1]), i64([1], [-2])]);
    expect(sliceView(b.node, 17)).toEqual({ shape: [3, 2], base: 3, strides: [4, -2] });
  });

  it('rejects_zero_step', () => expectInferError('Slice', [x, i64([1], [0]), i64([1], [1]), i64([1], [0]), i64([1], [0])], {}, 'SHAPE', /bad_node.*step/));
  it('rejects_axis_out_of_range', () => expectInferError('Slice', [x, i64([1], [0]), i64([1], [1]), i64([1], [2])], {}, 'SHAPE', /out of range/));
  it('rejects_length_mismatch', () => expectInferError('Slice', [x, i64([2], [0, 0]), i64([1], [1])], {}, 'SHAPE', /differ in length/));
  it('rejects_non_constant_starts', () => expectInferError('Slice', [x, { dtype: 'int64', shape: [1] }, i64([1], [1])], {}, 'DYNAMIC_SHAPE', /input 1/));
  it('rejects_float_starts', () => expectInferError('Slice', [x, f32([1], [0]), i64([1], [1])], {}, 'UNSUPPORTED_DTYPE'));
});
