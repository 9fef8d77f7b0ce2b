import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor.js';
import { checkCase, expectClose, expectInferError, f32, randomTensor, runOp, t } from './helpers.js';
import { runOrt } from './ort_oracle.js';

/**
 * The quantization ops' arithmetic (round half to even, saturation, zero points, int32
 * accumulation) on hand-computed cases, their bad parameters as one-line errors naming the node,
 * and random cases with values placed on rounding boundaries against onnxruntime.
 */

const scalar = (v: number) => Tensor.scalar('float32', v);

describe('QuantizeLinear', () => {
  it('rounds_half_to_even', () =>
    checkCase('QuantizeLinear', {
      name: 'rne',
      opset: 19,
      inputs: [f32([8], [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 3.5]), scalar(1), Tensor.scalar('int8', 0)],
      outputs: [t('int8', [8], [0, 2, 2, 0, -2, -2, 0, 4])],
    }));
  it('saturates_with_the_zero_point', () =>
    checkCase('QuantizeLinear', {
      name: 'sat',
      opset: 19,
      inputs: [f32([4], [1000, -1000, 0, 2]), scalar(2), Tensor.scalar('uint8', 128)],
      outputs: [t('uint8', [4], [255, 0, 128, 129])],
    }));
  it('defaults_to_uint8_without_a_zero_point', () => {
    const [y] = runOp('QuantizeLinear', [f32([2], [-1, 300]), scalar(1)], {}, { opset: 19 });
    expectClose(y!, t('uint8', [2], [0, 255]));
  });
  it('rejects_zero_scale', () => expectInferError('QuantizeLinear', [f32([2], [1, 2]), scalar(0)], {}, 'ONNX_INVALID', /bad_node.*scale.*holds 0/));
  it('rejects_negative_scale', () => expectInferError('QuantizeLinear', [f32([2], [1, 2]), scalar(-0.5)], {}, 'ONNX_INVALID', /bad_node.*-0\.5/));
  it('rejects_nan_scale', () => expectInferError('QuantizeLinear', [f32([2], [1, 2]), scalar(NaN)], {}, 'ONNX_INVALID', /bad_node.*NaN/));
  it('rejects_zero_point_out_of_range', () => {
    // A proto's int32_data can hold any integer for a uint8 zero point; the storage keeps it.
    const zp = new Tensor('uint8', [], Float64Array.of(300));
    expectInferError('QuantizeLinear', [f32([2], [1, 2]), scalar(1), zp], {}, 'ONNX_INVALID', /bad_node.*300.*\[0, 255\]/);
  });
  it('rejects_mismatched_per_axis_lengths', () =>
    expectInferError(
      'QuantizeLinear',
      [randomTensor([1, 3, 2, 2]), f32([4], [1, 1, 1, 1])],
      { axis: 1 },
      'SHAPE',
      /bad_node.*per-axis scale has shape \[4\].*needs \[3\]/,
    ));
  it('rejects_zero_point_shape_unlike_scale', () =>
    expectInferError('QuantizeLinear', [randomTensor([1, 3]), f32([3], [1, 1, 1]), t('int8', [2], [0, 0])], {}, 'SHAPE', /bad_node.*zero point shape/));
  it('rejects_int32_output', () =>
    expectInferError('QuantizeLinear', [f32([1], [1]), scalar(1), Tensor.scalar('int32', 0)], {}, 'UNSUPPORTED_DTYPE', /bad_node/));
});

describe('DequantizeLinear', () => {
  it('per_axis_with_zero_points', () =>
    checkCase('DequantizeLinear', {
      name: 'axis',
      inputs: [t('int8', [2, 2], [10, -10, 10, -10]), f32([2], [0.5, 2]), t('int8', [2], [2, -2])],
      attrs: { axis: 0 },
      outputs: [f32([2, 2], [4, -6, 24, -16])],
    }));
  it('int32_bias_without_zero_point', () =>
    checkCase('DequantizeLinear', {
      name: 'bias',
      inputs: [t('int32', [2], [100000, -7]), f32([2], [0.001, 0.5])],
      attrs: { axis: 0 },
      outputs: [f32([2], [100, -3.5])],
    }));
  it('rejects_nonzero_int32_zero_point', () =>
    expectInferError(
      'DequantizeLinear',
      [t('int32', [2], [1, 2]), scalar(1), Tensor.scalar('int32', 3)],
      {},
      'UNSUPPORTED_ATTRIBUTE',
      /bad_node.*zero point 0/,
    ));
  it('rejects_negative_per_axis_scale', () =>
    expectInferError('DequantizeLinear', [t('int8', [2, 2], [1, 2, 3, 4]), f32([2], [1, -1])], { axis: 0 }, 'ONNX_INVALID', /bad_node.*-1/));
});

describe('DynamicQuantizeLinear', () => {
  it('maps_the_range_with_zero_onto_uint8', () => {
    const [y, s, z] = runOp('DynamicQuantizeLinear', [f32([4], [-1, 0, 1, 2.5])], {}, { outputs: 3 });
    expect(s!.data[0]).toBe(Math.fround(3.5 / 255));
    expect(z!.data[0]).toBe(73); // rint(1 / (3.5/255)) = rint(72.857)
    expectClose(y!, t('uint8', [4], [0, 73, 146, 255]));
  });
  it('all_zero_input_has_scale_1', () => {
    const [y, s, z] = runOp('DynamicQuantizeLinear', [f32([3], [0, 0, 0])], {}, { outputs: 3 });
    expect([s!.data[0], z!.data[0], ...y!.data]).toEqual([1, 0, 0, 0, 0]);
  });
});

describe('ConvInteger / MatMulInteger', () => {
  it('conv_pads_with_the_input_zero_point_and_per_channel_weight_zero_points', () => {
    // x - 3 = [[-1, 1], [3, 5]] padded with 0; w[0] - 1 = ones, w[1] - (-1) = [[1, 0], [0, 0]].
    const x = t('uint8', [1, 1, 2, 2], [2, 4, 6, 8]);
    const w = t('int8', [2, 1, 2, 2], [2, 2, 2, 2, 0, -1, -1, -1]);
    const [y] = runOp('ConvInteger', [x, w, Tensor.scalar('uint8', 3), t('int8', [2], [1, -1])], { pads: [1, 1, 0, 0] });
    expectClose(y!, t('int32', [1, 2, 2, 2], [-1, 0, 2, 8, 0, 0, 0, -1]));
  });
  it('rejects_weight_zero_point_of_another_type', () =>
    expectInferError(
      'ConvInteger',
      [t('uint8', [1, 1, 2, 2], [1, 2, 3, 4]), t('int8', [1, 1, 1, 1], [1]), null, Tensor.scalar('uint8', 1)],
      {},
      'UNSUPPORTED_DTYPE',
      /bad_node/,
    ));
  it('rejects_per_channel_zero_points_of_the_wrong_length', () =>
    expectInferError(
      'ConvInteger',
      [t('uint8', [1, 1, 2, 2], [1, 2, 3, 4]), t('int8', [2, 1, 1, 1], [1, 2]), null, t('int8', [3], [0, 0, 0])],
      {},
      'SHAPE',
      /bad_node.*need \[2\]/,
    ));
  it('matmul_per_column_zero_points', () => {
    const [y] = runOp('MatMulInteger', [t('uint8', [1, 2], [1, 2]), t('uint8', [2, 2], [3, 4, 5, 6]), Tensor.scalar('uint8', 1), t('uint8', [2], [3, 0])]);
    expectClose(y!, t('int32', [1, 2], [2, 6]));
  });
});

/** Integers spread over the type, for operands whose products land on rounding boundaries. */
function ints(dtype: 'int8' | 'uint8', shape: number[], seed: number): Tensor {
  const r = randomTensor(shape, seed);
  const [lo, hi] = dtype === 'int8' ? [-128, 127] : [0, 255];
  return Tensor.from(
    dtype,
    shape,
    Array.from(r.data, (v) => Math.round(lo + ((v + 1) / 2) * (hi - lo))),
  );
}

describe('against onnxruntime (rounding boundaries)', () => {
  it('QuantizeLinear of exact halves and of values one ulp off', async () => {
    const vals: number[] = [];
    for (let k = -300; k <= 300; k++) {
      const v = (k + 0.5) * 0.25;
      vals.push(v, Math.fround(v * (1 + 2 ** -23)), Math.fround(v * (1 - 2 ** -23)));
    }
    const x = f32([vals.length], vals);
    const args = [x, scalar(0.25), Tensor.scalar('int8', 3)];
    const [ours] = runOp('QuantizeLinear', args, {}, { opset: 19 });
    const [ort] = await runOrt('QuantizeLinear', args, {}, { opset: 19 });
    expectClose(ours!, ort!);
  });
  // int8 activations, as the QDQ exports have (uint8 × int8 can saturate int16 pair sums in
  // onnxruntime's x86 kernels, which is not ONNX's arithmetic).
  it('QLinearConv with per-channel scales and an int32 bias', async () => {
    const args = [
      ints('int8', [1, 4, 6, 6], 1),
      scalar(0.02),
      Tensor.scalar('int8', -5),
      ints('int8', [3, 4, 3, 3], 2),
      f32([3], [0.004, 0.0075, 0.001]),
      t('int8', [3], [0, 0, 0]),
      scalar(0.05),
      Tensor.scalar('int8', 7),
      t('int32', [3], [1000, -2500, 30]),
    ];
    const [ours] = runOp('QLinearConv', args, { pads: [1, 1, 1, 1] }, { opset: 17 });
    const [ort] = await runOrt('QLinearConv', args, { pads: [1, 1, 1, 1] }, { opset: 17 });
    expectClose(ours!, ort!);
  });
  it('ConvInteger with uint8 weights and a weight zero point', async () => {
    const args = [ints('uint8', [1, 3, 5, 5], 3), ints('uint8', [2, 3, 3, 3], 4), Tensor.scalar('uint8', 128), Tensor.scalar('uint8', 100)];
    const [ours] = runOp('ConvInteger', args, { pads: [1, 1, 1, 1], strides: [2, 2] });
    const [ort] = await runOrt('ConvInteger', args, { pads: [1, 1, 1, 1], strides: [2, 2] });
    expectClose(ours!, ort!);
  });
  it('DynamicQuantizeLinear on a skewed input', async () => {
    const x = randomTensor([2, 50], 9);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.fround(x.data[i]! * 3 + 1.3);
    const ours = runOp('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
    const ort = await runOrt('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
    for (let k = 0; k < 3; k++) expectClose(ours[k]!, ort[k]!);
  });
});
