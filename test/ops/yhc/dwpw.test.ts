import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/tensor.js';
import { f32, float, ints, randomTensor, type AttrValue } from '../helpers.js';
import { expectYhcInferError, runYhc, yhcNode } from './yhc_op.js';

const [C, M] = [4, 6];
const x = randomTensor([2, C, 7, 6], 1);
const dwWeight = randomTensor([C, 1, 3, 3], 2);
const dwBias = randomTensor([C], 3);
const dwScale = randomTensor([C], 4);
const dwShift = randomTensor([C], 5);
const pwWeight = randomTensor([M, C, 1, 1], 6);
const pwBias = randomTensor([M], 7);
const pwScale = randomTensor([M], 8);
const pwShift = randomTensor([M], 9);

interface Stage {
  bias?: boolean;
  norm?: number;
  activation?: string;
}

interface Variant {
  readonly name: string;
  readonly geometry: { kernel_shape: AttrValue; strides: AttrValue; pads: AttrValue; dilations: AttrValue };
  readonly dw: Stage;
  readonly pw: Stage;
}

const SAME_3X3 = { kernel_shape: ints([3, 3]), strides: ints([1, 1]), pads: ints([1, 1, 1, 1]), dilations: ints([1, 1]) };

const VARIANTS: Variant[] = [
  { name: 'improved head: norms and SiLU on both stages', geometry: SAME_3X3, dw: { norm: 2, activation: 'silu' }, pw: { norm: 3, activation: 'silu' } },
  { name: 'stock head: biases and SiLU, no norms', geometry: SAME_3X3, dw: { bias: true, activation: 'silu' }, pw: { bias: true, activation: 'silu' } },
  {
    name: 'stride 2, asymmetric pads, dilation 2; bias and norm on the depthwise stage, relu then nothing',
    geometry: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([2, 1, 1, 2]), dilations: ints([2, 2]) },
    dw: { bias: true, norm: 4, activation: 'relu' },
    pw: { bias: true },
  },
];

/** The DwPw inputs and attributes of a variant. */
function dwpwArgs(v: Variant): { inputs: (Tensor | null)[]; attrs: Record<string, AttrValue> } {
  const inputs = [
    x,
    dwWeight,
    v.dw.bias ? dwBias : null,
    v.dw.norm ? dwScale : null,
    v.dw.norm ? dwShift : null,
    pwWeight,
    v.pw.bias ? pwBias : null,
    v.pw.norm ? pwScale : null,
    v.pw.norm ? pwShift : null,
  ];
  while (inputs[inputs.length - 1] === null) inputs.pop();
  const attrs: Record<string, AttrValue> = {
    ...v.geometry,
    dw_activation: v.dw.activation ?? 'none',
    pw_activation: v.pw.activation ?? 'none',
    dw_norm_groups: v.dw.norm ?? 0,
    pw_norm_groups: v.pw.norm ?? 0,
    dw_norm_epsilon: float(1e-5),
    pw_norm_epsilon: float(1e-5),
  };
  return { inputs, attrs };
}

/** The same computation by the separate ops: ai.yhc.Conv, then ai.yhc.GroupNorm when normed. */
function byParts(v: Variant): Tensor {
  const stage = (input: Tensor, w: Tensor, b: Tensor | null, s: Stage, scale: Tensor, shift: Tensor, conv: Record<string, AttrValue>) => {
    const y = runYhc('Conv', b ? [input, w, b] : [input, w], { ...conv, activation: s.norm ? 'none' : (s.activation ?? 'none') });
    return s.norm ? runYhc('GroupNorm', [y, scale, shift], { num_groups: s.norm, epsilon: float(1e-5), activation: s.activation ?? 'none' }) : y;
  };
  const h = stage(x, dwWeight, v.dw.bias ? dwBias : null, v.dw, dwScale, dwShift, { ...v.geometry, group: C });
  return stage(h, pwWeight, v.pw.bias ? pwBias : null, v.pw, pwScale, pwShift, {});
}

describe('ai.yhc.DwPw', () => {
  it.each(VARIANTS)('computes_exactly_what_its_parts_compute: $name', (v) => {
    const { inputs, attrs } = dwpwArgs(v);
    const got = runYhc('DwPw', inputs, attrs);
    const want = byParts(v);
    expect([...got.shape]).toEqual([...want.shape]);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });

  it('infers_the_output_from_the_depthwise_geometry_and_the_pointwise_channels', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[2]!);
    const { node, def } = yhcNode('DwPw', inputs, attrs);
    // H: (7 + 2 + 1 − 5) / 2 + 1 = 3; W: (6 + 1 + 2 − 5) / 2 + 1 = 3.
    expect(def.infer(node, 1)).toEqual([{ dtype: 'float32', shape: [2, M, 3, 3] }]);
    node.outputs[0]!.shape = [2, M, 3, 3];
    // Two flops per multiply-add of each conv, eight per normalized element (as ai.yhc.GroupNorm).
    expect(def.flops!(node)).toBe(2 * (2 * C * 9) * 9 + 2 * (2 * M * 9) * C + 8 * (2 * C * 9));
  });

  it('rejects_a_norm_without_its_scale_and_bias', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[1]!);
    expectYhcInferError('DwPw', inputs, { ...attrs, dw_norm_groups: 2 }, 'SHAPE', /the dw GroupNorm \(dw_norm_groups 2\) needs input 3/);
  });

  it('rejects_norm_inputs_without_a_norm', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[0]!);
    expectYhcInferError('DwPw', inputs, { ...attrs, pw_norm_groups: 0 }, 'SHAPE', /input 7 .* is given but pw_norm_groups is 0/);
  });

  it('rejects_norm_groups_that_do_not_divide_the_channels', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[0]!);
    expectYhcInferError(
      'DwPw',
      inputs,
      { ...attrs, pw_norm_groups: 4 },
      'SHAPE',
      /pw_norm_groups 4 must be 0 \(no norm\) or divide the pw conv's 6 output channels/,
    );
  });

  it('rejects_a_dense_first_conv', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[1]!);
    inputs[1] = randomTensor([C, C, 3, 3], 10);
    expectYhcInferError('DwPw', inputs, attrs, 'SHAPE', /a depthwise filter over 4 channels is \[4, 1, kH, kW\]/);
  });

  it('rejects_a_second_conv_that_is_not_pointwise', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[1]!);
    inputs[5] = randomTensor([M, C, 3, 3], 11);
    expectYhcInferError('DwPw', inputs, attrs, 'SHAPE', /a pointwise filter over 4 channels is \[M, 4, 1, 1\]/);
  });

  it('requires_the_pointwise_weight', () => {
    expectYhcInferError('DwPw', [x, dwWeight], SAME_3X3, 'ONNX_INVALID', /missing required input 5/);
  });

  it('rejects_an_unknown_activation', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[1]!);
    expectYhcInferError('DwPw', inputs, { ...attrs, pw_activation: 'tanh' }, 'UNSUPPORTED_ATTRIBUTE', /pw_activation "tanh"/);
  });

  it('rejects_a_bias_of_the_wrong_size', () => {
    const { inputs, attrs } = dwpwArgs(VARIANTS[1]!);
    inputs[6] = f32([2], [1, 2]);
    expectYhcInferError('DwPw', inputs, attrs, 'SHAPE', /bias B has shape \[2\]; expected \[6\]/);
  });
});
