import { describe, expect, it } from 'vitest';
import { checkCase, expectClose, expectInferError, f32, makeNode, randomTensor, runNode, runOp, t, type AttrValue, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x5 = f32(
  [1, 1, 5, 5],
  Array.from({ length: 25 }, (_, i) => i),
);
const ones3 = f32([1, 1, 3, 3], new Array(9).fill(1));

const cases: OpCase[] = [
  { name: 'basic_without_padding', inputs: [x5, ones3], outputs: [f32([1, 1, 3, 3], [54, 63, 72, 99, 108, 117, 144, 153, 162])] },
  {
    name: 'basic_with_padding',
    attrs: { pads: [1, 1, 1, 1] },
    inputs: [x5, ones3],
    outputs: [f32([1, 1, 5, 5], [12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84])],
  },
  { name: 'stride_2_with_bias', attrs: { strides: [2, 2] }, inputs: [x5, ones3, f32([1], [1000])], outputs: [f32([1, 1, 2, 2], [1054, 1072, 1144, 1162])] },
  {
    name: 'auto_pad_same_upper_stride_2',
    attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] },
    inputs: [x5, ones3],
    outputs: [f32([1, 1, 3, 3], [12, 27, 24, 63, 108, 81, 72, 117, 84])],
  },
  { name: 'conv1d', attrs: { pads: [1, 1] }, inputs: [f32([1, 1, 4], [1, 2, 3, 4]), f32([1, 1, 3], [1, 0, -1])], outputs: [f32([1, 1, 4], [-2, -2, -2, 3])] },
];

/** Configurations checked against onnxruntime: [name, X shape, W shape, attributes, bias?]. */
const ORACLE: [string, number[], number[], Record<string, AttrValue>, boolean][] = [
  ['dense_3x3_pad1', [1, 4, 9, 8], [5, 4, 3, 3], { pads: [1, 1, 1, 1] }, true],
  ['dense_3x3_stride2', [2, 3, 11, 10], [4, 3, 3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] }, true],
  ['dense_1x1', [1, 6, 5, 7], [3, 6, 1, 1], {}, true],
  ['dense_1x1_odd_channels', [1, 7, 4, 4], [2, 7, 1, 1], {}, false],
  ['dense_1x1_stride2', [1, 4, 6, 6], [3, 4, 1, 1], { strides: [2, 2] }, true],
  ['depthwise_3x3', [1, 6, 8, 8], [6, 1, 3, 3], { group: 6, pads: [1, 1, 1, 1] }, true],
  ['depthwise_3x3_stride2', [1, 4, 9, 9], [4, 1, 3, 3], { group: 4, pads: [1, 1, 1, 1], strides: [2, 2] }, true],
  ['depthwise_multiplier_2', [1, 3, 6, 6], [6, 1, 3, 3], { group: 3, pads: [1, 1, 1, 1] }, true],
  ['grouped_3x3', [1, 8, 7, 7], [6, 4, 3, 3], { group: 2, pads: [1, 1, 1, 1] }, true],
  ['dilated_3x3', [1, 2, 10, 10], [3, 2, 3, 3], { dilations: [2, 3], pads: [2, 3, 2, 3] }, true],
  ['asymmetric_pads', [1, 2, 7, 5], [2, 2, 3, 3], { pads: [1, 0, 0, 2], strides: [2, 1] }, false],
  ['large_pads', [1, 1, 3, 3], [1, 1, 3, 3], { pads: [3, 3, 3, 3] }, false],
  ['conv_7x7_pad3', [1, 2, 12, 12], [2, 2, 7, 7], { pads: [3, 3, 3, 3] }, true],
  ['kernel_3x1', [1, 2, 6, 6], [2, 2, 3, 1], { pads: [1, 0, 1, 0] }, true],
  ['same_lower_stride2', [1, 2, 8, 7], [2, 2, 3, 3], { auto_pad: 'SAME_LOWER', strides: [2, 2] }, true],
  ['same_upper_even_kernel', [1, 2, 7, 7], [2, 2, 2, 2], { auto_pad: 'SAME_UPPER' }, true],
  ['valid', [1, 2, 7, 6], [2, 2, 3, 3], { auto_pad: 'VALID', strides: [2, 2] }, true],
  ['kernel_larger_than_input_with_pads', [1, 1, 2, 2], [1, 1, 3, 3], { pads: [1, 1, 1, 1] }, true],
  ['conv1d_stride_dilation', [2, 3, 20], [4, 3, 5], { strides: [2], dilations: [2], pads: [3, 1] }, true],
  ['conv3d', [1, 2, 5, 6, 4], [3, 2, 3, 3, 2], { pads: [1, 1, 0, 1, 1, 1], strides: [1, 2, 1] }, true],
  ['batch_2_grouped_dilated', [2, 4, 9, 9], [4, 2, 3, 3], { group: 2, dilations: [2, 2], pads: [2, 2, 2, 2] }, true],
];

describe('Conv', () => {
  for (const c of cases) it(c.name, () => checkCase('Conv', c));

  describe('matches onnxruntime', () => {
    ORACLE.forEach(([name, xs, ws, attrs, bias], i) => {
      it(name, async () => {
        const x = randomTensor(xs, 100 + i);
        const w = randomTensor(ws, 200 + i);
        const inputs = bias ? [x, w, randomTensor([ws[0]!], 300 + i)] : [x, w];
        const [got] = runOp('Conv', inputs, attrs);
        const [want] = await runOrt('Conv', inputs, attrs);
        expectClose(got!, want!, 1e-5, 1e-5);
      });
    });
  });

  it('float16 rounds the result once', async () => {
    const x = randomTensor([1, 2, 5, 5], 5, 'float16');
    const w = randomTensor([2, 2, 3, 3], 6, 'float16');
    const [got] = runOp('Conv', [x, w], { pads: [1, 1, 1, 1] });
    const [want] = await runOrt('Conv', [x, w], { pads: [1, 1, 1, 1] });
    expectClose(got!, want!, 2e-3, 2e-3);
  });

  it('reports 2 flops per multiply-add', () => {
    const b = makeNode(
      'Conv',
      [
        { dtype: 'float32', shape: [1, 8, 10, 10] },
        { dtype: 'float32', shape: [4, 4, 3, 3] },
      ],
      { group: 2, pads: [1, 1, 1, 1] },
    );
    const [ty] = b.def.infer(b.node, b.opset);
    b.node.outputs[0]!.shape = [...ty!.shape];
    expect(b.def.flops!(b.node)).toBe(2 * 4 * 100 * 4 * 9);
  });

  it('runs a 64→64 3x3 conv on 80x80 in well under a second', () => {
    const x = randomTensor([1, 64, 80, 80], 1);
    const w = randomTensor([64, 64, 3, 3], 2);
    const b = makeNode('Conv', [x, w, randomTensor([64], 3)], { pads: [1, 1, 1, 1] });
    runNode(b); // warm up the JIT
    const t0 = performance.now();
    runNode(b);
    const ms = performance.now() - t0;
    // About 0.2 s on a quiet machine; the bound leaves room for a loaded CI box.
    expect(ms).toBeLessThan(2000);
  });

  describe('errors', () => {
    const x = { dtype: 'float32' as const, shape: [1, 4, 8, 8] };
    it('rejects_channel_mismatch', () => expectInferError('Conv', [x, { dtype: 'float32', shape: [2, 3, 3, 3] }], {}, 'SHAPE', /bad_node.*input channels/));
    it('rejects_group_not_dividing_channels', () => expectInferError('Conv', [x, { dtype: 'float32', shape: [3, 2, 3, 3] }], { group: 2 }, 'SHAPE', /group 2/));
    it('rejects_bias_shape', () =>
      expectInferError('Conv', [x, { dtype: 'float32', shape: [2, 4, 3, 3] }, { dtype: 'float32', shape: [3] }], {}, 'SHAPE', /bias/));
    it('rejects_kernel_shape_mismatch', () =>
      expectInferError('Conv', [x, { dtype: 'float32', shape: [2, 4, 3, 3] }], { kernel_shape: [5, 5] }, 'SHAPE', /kernel_shape/));
    it('rejects_window_larger_than_input', () =>
      expectInferError('Conv', [x, { dtype: 'float32', shape: [2, 4, 9, 9] }], {}, 'SHAPE', /larger than the padded input/));
    it('rejects_bad_auto_pad', () =>
      expectInferError('Conv', [x, { dtype: 'float32', shape: [2, 4, 3, 3] }], { auto_pad: 'SAME' }, 'UNSUPPORTED_ATTRIBUTE', /auto_pad/));
    it('rejects_pads_of_wrong_length', () => expectInferError('Conv', [x, { dtype: 'float32', shape: [2, 4, 3, 3] }], { pads: [1, 1] }, 'SHAPE', /pads/));
    it('rejects_integer_input', () =>
      expectInferError('Conv', [t('int32', [1, 1, 3, 3], new Array(9).fill(1)), t('int32', [1, 1, 1, 1], [1])], {}, 'UNSUPPORTED_DTYPE'));
    it('rejects_rank_2_input', () => expectInferError('Conv', [f32([2, 2], [1, 2, 3, 4]), f32([1, 2], [1, 1])], {}, 'SHAPE', /spatial/));
  });
});
