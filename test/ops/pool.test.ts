import { describe, expect, it } from 'vitest';
import { checkCase, expectClose, expectInferError, f32, i64, randomTensor, runOp, t, type AttrValue, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x = f32([1, 1, 4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

const cases: OpCase[] = [
  { name: 'kernel_2_stride_2', attrs: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [x], outputs: [f32([1, 1, 2, 2], [6, 8, 14, 16])] },
  { name: 'ceil_mode', attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, inputs: [x], outputs: [f32([1, 1, 2, 2], [11, 12, 15, 16])] },
  {
    name: 'padding_never_wins',
    attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    inputs: [f32([1, 1, 2, 2], [-5, -6, -7, -8])],
    outputs: [f32([1, 1, 2, 2], [-5, -5, -5, -5])],
  },
  {
    name: 'indices_output',
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    inputs: [f32([1, 2, 2, 2], [1, 4, 3, 2, 8, 5, 6, 7])],
    outputs: [f32([1, 2, 1, 1], [4, 8]), i64([1, 2, 1, 1], [1, 4])],
  },
  {
    name: 'indices_column_major',
    attrs: { kernel_shape: [2, 2], storage_order: 1 },
    inputs: [f32([1, 1, 2, 2], [1, 4, 3, 2])],
    outputs: [f32([1, 1, 1, 1], [4]), i64([1, 1, 1, 1], [2])],
  },
  { name: 'uint8', attrs: { kernel_shape: [2] }, inputs: [t('uint8', [1, 1, 3], [1, 200, 3])], outputs: [t('uint8', [1, 1, 2], [200, 200])] },
];

const ORACLE: [string, number[], Record<string, AttrValue>][] = [
  ['yolo_sppf_5x5', [1, 3, 10, 10], { kernel_shape: [5, 5], pads: [2, 2, 2, 2] }],
  ['strides_dilations', [1, 2, 11, 9], { kernel_shape: [3, 2], strides: [2, 3], dilations: [2, 1] }],
  ['ceil_mode_pads', [2, 2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0], ceil_mode: 1 }],
  ['same_upper', [1, 2, 7, 6], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
  ['same_lower', [1, 2, 7, 6], { kernel_shape: [2, 2], auto_pad: 'SAME_LOWER' }],
  ['pool3d', [1, 1, 5, 4, 6], { kernel_shape: [2, 3, 2], strides: [1, 1, 2] }],
];

describe('MaxPool', () => {
  for (const c of cases) it(c.name, () => checkCase('MaxPool', c));

  describe('matches onnxruntime (values and indices)', () => {
    ORACLE.forEach(([name, shape, attrs], i) => {
      it(name, async () => {
        const x = randomTensor(shape, 40 + i);
        const got = runOp('MaxPool', [x], attrs, { outputs: 2 });
        const want = await runOrt('MaxPool', [x], attrs, { outputs: 2 });
        expectClose(got[0]!, want[0]!);
        expect(Array.from(got[1]!.data)).toEqual(Array.from(want[1]!.data));
      });
    });
  });

  it('rejects_missing_kernel_shape', () => expectInferError('MaxPool', [x], {}, 'SHAPE', /bad_node.*kernel_shape/));
  it('rejects_kernel_rank_mismatch', () => expectInferError('MaxPool', [x], { kernel_shape: [2] }, 'SHAPE', /kernel/));
  it('rejects_bad_storage_order', () => expectInferError('MaxPool', [x], { kernel_shape: [2, 2], storage_order: 2 }, 'UNSUPPORTED_ATTRIBUTE'));
  it('rejects_zero_stride', () => expectInferError('MaxPool', [x], { kernel_shape: [2, 2], strides: [0, 1] }, 'SHAPE', /strides/));
});
