import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor.js';
import { checkCase, expectInferError, f32, i64, randomTensor, runOp, type AttrValue, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x = f32([1, 1, 2, 2], [1, 2, 3, 4]);
const empty = f32([0], []);

const cases: OpCase[] = [
  {
    name: 'upsample_2x_scales_asymmetric_floor',
    opset: 13,
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    inputs: [x, null, f32([4], [1, 1, 2, 2])],
    outputs: [f32([1, 1, 4, 4], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])],
  },
  {
    name: 'upsample_sizes_default_modes',
    opset: 13,
    attrs: { mode: 'nearest' },
    inputs: [x, empty, empty, i64([4], [1, 1, 2, 4])],
    outputs: [f32([1, 1, 2, 4], [1, 1, 2, 2, 3, 3, 4, 4])],
  },
  {
    name: 'opset18_axes_and_not_larger',
    opset: 18,
    attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' },
    inputs: [x, null, null, i64([2], [7, 8])],
    outputs: [
      f32(
        [1, 1, 7, 7],
        [1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4],
      ),
    ],
  },
];

/** [name, X shape, attributes, scales | null, sizes | null, opset]. */
const ORACLE: [string, number[], Record<string, AttrValue>, number[] | null, number[] | null, number][] = [
  ['yolo_upsample_2x', [1, 3, 4, 5], { mode: 'nearest' }, [1, 1, 2, 2], null, 13],
  ['half_pixel_round_prefer_floor_sizes', [1, 1, 4, 4], { nearest_mode: 'round_prefer_floor' }, null, [1, 1, 7, 9], 13],
  ['half_pixel_round_prefer_ceil', [1, 1, 4, 4], { nearest_mode: 'round_prefer_ceil' }, null, [1, 1, 8, 8], 13],
  ['half_pixel_ceil', [1, 1, 4, 4], { nearest_mode: 'ceil' }, null, [1, 1, 8, 8], 13],
  ['align_corners_floor', [1, 1, 4, 4], { coordinate_transformation_mode: 'align_corners', nearest_mode: 'floor' }, null, [1, 1, 8, 7], 13],
  ['asymmetric_round_prefer_ceil', [1, 1, 4, 4], { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'round_prefer_ceil' }, null, [1, 1, 8, 8], 13],
  ['pytorch_half_pixel_downsample', [1, 2, 9, 7], { coordinate_transformation_mode: 'pytorch_half_pixel' }, null, [1, 2, 4, 1], 13],
  ['half_pixel_symmetric', [1, 1, 5, 5], { coordinate_transformation_mode: 'half_pixel_symmetric' }, null, [1, 1, 8, 3], 19],
  ['downsample_scales', [1, 1, 6, 8], {}, [1, 1, 0.5, 0.6], null, 13],
  ['not_smaller', [1, 1, 3, 5], { keep_aspect_ratio_policy: 'not_smaller', axes: [2, 3] }, null, [4, 4], 18],
];

describe('Resize (nearest)', () => {
  for (const c of cases) it(c.name, () => checkCase('Resize', c));

  describe('matches onnxruntime', () => {
    ORACLE.forEach(([name, shape, attrs, scales, sizes, opset], i) => {
      it(name, async () => {
        const xx = randomTensor(shape, 60 + i);
        const axes = attrs['axes'] as number[] | undefined;
        const n = axes ? axes.length : shape.length;
        const inputs: (Tensor | null)[] = [xx, null, scales ? f32([n], scales) : null, sizes ? i64([n], sizes) : null];
        if (!sizes) inputs.pop();
        const [got] = runOp('Resize', inputs, attrs, { opset });
        const [want] = await runOrt('Resize', inputs, attrs, { opset });
        expect([...got!.shape]).toEqual([...want!.shape]);
        expect(Array.from(got!.data)).toEqual(Array.from(want!.data));
      });
    });
  });

  it('rejects_linear_mode', () =>
    expectInferError('Resize', [x, null, f32([4], [1, 1, 2, 2])], { mode: 'linear' }, 'UNSUPPORTED_ATTRIBUTE', /bad_node.*linear/, { opset: 13 }));
  it('rejects_tf_crop_and_resize', () =>
    expectInferError(
      'Resize',
      [x, null, f32([4], [1, 1, 2, 2])],
      { coordinate_transformation_mode: 'tf_crop_and_resize' },
      'UNSUPPORTED_ATTRIBUTE',
      /tf_crop_and_resize/,
      { opset: 13 },
    ));
  it('rejects_both_scales_and_sizes', () =>
    expectInferError('Resize', [x, null, f32([4], [1, 1, 2, 2]), i64([4], [1, 1, 4, 4])], {}, 'SHAPE', /exactly one/, { opset: 13 }));
  it('rejects_non_constant_sizes', () =>
    expectInferError('Resize', [x, null, null, { dtype: 'int64', shape: [4] }], {}, 'DYNAMIC_SHAPE', /input 3/, { opset: 13 }));
  it('rejects_scales_of_wrong_length', () => expectInferError('Resize', [x, null, f32([2], [2, 2])], {}, 'SHAPE', /scales/, { opset: 13 }));
});
