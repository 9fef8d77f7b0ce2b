import { describe, expect, it } from 'vitest';
import { recognizeQdq } from '../../passes/recognize_qdq.js';
import { roundTripsExactly } from '../../passes/qdq_params.js';
import { YhcError } from '../../src/errors.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Attr } from '../../src/ir/graph.js';
import { opCounts } from '../../src/ir/print.js';
import { Tensor } from '../../src/tensor.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { YHC, apply, expectLeftAlone, firedOf, int, ints, notesOf, str } from './norm_simam_dwpw_helpers.js';

/**
 * recognize-qdq (passes/recognize_qdq.ts) on small QDQ graphs written as onnxruntime's
 * quantize_static writes them: before/after structure, bit-identical interpreter outputs, what
 * is left alone and why, and the one-line errors of bad quantization parameters.
 */
const [C, M, HW] = [4, 6, 8];
const CONV: Record<string, Attr> = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(1) };
const W = Tensor.from(
  'int8',
  [M, C, 3, 3],
  Array.from(randomTensor([M, C, 3, 3], 7).data, (v) => Math.max(-127, Math.min(127, Math.round(v * 50)))),
);
const WS = Tensor.from('float32', [M], [0.011, 0.02, 0.007, 0.013, 0.009, 0.004]);
const BQ = Tensor.from('int32', [M], [100, -2000, 50, 0, 3000, -7]);
const f32 = (v: number) => Tensor.scalar('float32', v);
const i8 = (v: number) => Tensor.scalar('int8', v);

/** Q/DQ parameters of one activation. */
class Act {
  constructor(
    readonly scale: number,
    readonly zp: number,
  ) {}
  q(b: GraphBuilder, x: string, name?: string) {
    return b.op('QuantizeLinear', [x, b.constant(f32(this.scale)), b.constant(i8(this.zp))], {}, name ? { name } : {});
  }
  dq(b: GraphBuilder, x: string) {
    return b.op('DequantizeLinear', [x, b.constant(f32(this.scale)), b.constant(i8(this.zp))]);
  }
  qdq(b: GraphBuilder, x: string) {
    return this.dq(b, this.q(b, x));
  }
}
const XA = new Act(0.02, 3);
const YA = new Act(0.05, -4);

/** DQ(W_q, per channel) and DQ(b_int32, x_scale · w_scale), as the quantizer writes them. */
function qdqWeights(b: GraphBuilder, opts: { wScale?: Tensor; axis?: number } = {}) {
  const ws = opts.wScale ?? WS;
  const w = b.op(
    'DequantizeLinear',
    [b.constant(W), b.constant(ws), b.constant(Tensor.from('int8', [ws.size], new Array<number>(ws.size).fill(0)))],
    { axis: int(opts.axis ?? 0) },
    { name: 'w_dq' },
  );
  const bs = Tensor.from(
    'float32',
    [M],
    Array.from(WS.data, (s) => Math.fround(s * XA.scale)),
  );
  const bias = b.op('DequantizeLinear', [b.constant(BQ), b.constant(bs), b.constant(Tensor.from('int32', [M], new Array<number>(M).fill(0)))], {
    axis: int(0),
  });
  return [w, bias] as const;
}

/** x → Q → DQ → Conv(DQ W, DQ b) [→ Q → DQ] → output */
function convNet(opts: { quantizeOutput?: boolean; wScale?: Tensor; axis?: number } = {}) {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, C, HW, HW]);
  const [w, bias] = qdqWeights(b, opts);
  const y = b.op('Conv', [XA.qdq(b, x), w, bias], CONV, { name: 'conv' });
  b.output(opts.quantizeOutput === false ? y : YA.qdq(b, y));
  return b.build();
}

describe('recognize-qdq: convs', () => {
  it('rewrites_dq_conv_q_into_a_static_qconv_with_int8_weights_bit_for_bit', () => {
    const g = convNet();
    const before = cloneGraph(g);
    const report = apply(g, recognizeQdq);
    expect(report.passes[0]!.fired).toMatchObject({ 'DQ → Conv → Q → ai.yhc.QConv (int8 out)': 1 });
    // After: x → Q → QConv (int8 in, int8 out) → DQ.
    const e = new GraphBuilder(17);
    const x = e.input('x', 'float32', [1, C, HW, HW]);
    const bias = Tensor.from(
      'float32',
      [M],
      Array.from(BQ.data, (q, m) => Math.fround(q * Math.fround(WS.data[m]! * XA.scale))),
    );
    const inputs = [XA.q(e, x), e.constant(W), e.constant(WS), e.constant(Tensor.from('int8', [M], new Array<number>(M).fill(0))), e.constant(bias)];
    inputs.push(e.constant(f32(XA.scale)), e.constant(i8(XA.zp)), e.constant(f32(YA.scale)), e.constant(i8(YA.zp)));
    e.output(YA.dq(e, e.op('QConv', inputs, { ...CONV, activation: str('none'), input_quant: str('static') }, YHC)));
    expectGraphsEqual(g, e.build(), 0);
    expectSameOutputs(before, g, 0);
    // The weights are the integers themselves, not recovered from the folded floats.
    const qconv = g.nodes.find((n) => n.opType === 'QConv')!;
    expect(qconv.input(1).constant!.dtype).toBe('int8');
    expect(Array.from(qconv.input(1).constant!.data)).toEqual(Array.from(W.data));
  });

  it('a_conv_not_followed_by_one_quantizer_gets_a_float_output', () => {
    const g = convNet({ quantizeOutput: false });
    const before = cloneGraph(g);
    const report = apply(g, recognizeQdq);
    expect(report.passes[0]!.fired).toMatchObject({ 'DQ → Conv → ai.yhc.QConv (float out)': 1 });
    const qconv = g.nodes.find((n) => n.opType === 'QConv')!;
    expect(qconv.inputs.length).toBe(7);
    expect(qconv.outputs[0]!.dtype).toBe('float32');
    expectSameOutputs(before, g, 0);
  });

  it('per_tensor_weights_keep_one_scale', () => {
    const g = convNet({ wScale: f32(0.01) });
    const before = cloneGraph(g);
    expect(firedOf(apply(g, recognizeQdq), recognizeQdq)).toBeGreaterThan(0);
    expect(g.nodes.find((n) => n.opType === 'QConv')!.input(2).constant!.size).toBe(1);
    expectSameOutputs(before, g, 0);
  });

  it('leaves_a_conv_with_weights_quantized_along_axis_1_in_float', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const ws = Tensor.from('float32', [C], [0.01, 0.02, 0.03, 0.04]);
    const w = b.op('DequantizeLinear', [b.constant(W), b.constant(ws), b.constant(Tensor.from('int8', [C], [0, 0, 0, 0]))], { axis: int(1) });
    b.output(b.op('Conv', [XA.qdq(b, x), w], CONV, { name: 'conv' }));
    const g = b.build();
    const report = apply(g, recognizeQdq);
    expect(notesOf(report, recognizeQdq).join('\n')).toMatch(/"conv" \(Conv\) runs in float: its weights are quantized along axis 1/);
    expect(g.nodes.some((n) => n.opType === 'QConv')).toBe(false);
  });

  it('leaves_a_conv_whose_input_is_not_dequantized_in_float', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const [w] = qdqWeights(b);
    b.output(b.op('Conv', [b.op('Sigmoid', [XA.qdq(b, x)]), w], CONV, { name: 'conv' }));
    expectLeftAlone(b.build(), recognizeQdq, /"conv" \(Conv\) runs in float: its input is not dequantized/);
  });

  it('does_nothing_to_a_float_model', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    b.output(b.op('Conv', [x, b.constant(randomTensor([M, C, 3, 3], 1))], CONV));
    const g = b.build();
    const report = apply(g, recognizeQdq);
    expect(firedOf(report, recognizeQdq)).toBe(0);
    expect(notesOf(report, recognizeQdq)).toEqual([]);
  });
});

describe('recognize-qdq: data movement and elementwise', () => {
  it('concat_of_two_scales_runs_on_int8_with_one_requantization', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const a = XA.qdq(b, x);
    const c = YA.qdq(b, b.op('Sigmoid', [x]));
    b.output(YA.qdq(b, b.op('Concat', [a, c], { axis: int(1) }, { name: 'cat' })));
    const g = b.build();
    const before = cloneGraph(g);
    const report = apply(g, recognizeQdq);
    expect(report.passes[0]!.fired).toMatchObject({ 'Q(Concat(DQ)) → Concat on int8': 1 });
    const cat = g.nodes.find((n) => n.opType === 'Concat')!;
    expect(cat.outputs[0]!.dtype).toBe('int8');
    // The input with the output's parameters is read as it is; the other is requantized.
    expect(cat.input(1).producer!.opType).toBe('QuantizeLinear');
    expect(cat.input(0).producer!.opType).toBe('QuantizeLinear');
    expect(cat.input(0).producer!.input(0).producer!.opType).toBe('DequantizeLinear');
    expect(opCounts(g)).toMatchObject({ Concat: 1, Sigmoid: 1 });
    expectSameOutputs(before, g, 0);
  });

  it('maxpool_split_and_resize_run_on_int8', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const pooled = XA.qdq(b, b.op('MaxPool', [XA.qdq(b, x)], { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]), strides: ints([1, 1]) }));
    const [s0, s1] = b.node('Split', [pooled, b.constant(Tensor.from('int64', [2], [1, 3]))], { axis: int(1) }, { outputs: 2 });
    const up = b.op('Resize', [XA.qdq(b, s0!), '', b.constant(Tensor.from('float32', [4], [1, 1, 2, 2]))], { mode: str('nearest') });
    b.output(XA.qdq(b, up));
    b.output(XA.qdq(b, s1!));
    const g = b.build();
    const before = cloneGraph(g);
    const report = apply(g, recognizeQdq);
    expect(report.passes[0]!.fired).toMatchObject({
      'Q(MaxPool(DQ)) → MaxPool on int8': 1,
      'Q(Split(DQ)) → Split on int8': 1,
      'Q(Resize(DQ)) → Resize on int8': 1,
    });
    for (const op of ['MaxPool', 'Split', 'Resize']) expect(g.nodes.find((n) => n.opType === op)!.outputs[0]!.dtype).toBe('int8');
    // Same parameters throughout: no requantization is left.
    expect(g.nodes.filter((n) => n.opType === 'QuantizeLinear').length).toBe(1);
    expectSameOutputs(before, g, 0);
  });

  it('leaves_a_split_whose_outputs_have_different_scales_in_float', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const [s0, s1] = b.node('Split', [XA.qdq(b, x), b.constant(Tensor.from('int64', [2], [2, 2]))], { axis: int(1) }, { outputs: 2, name: 'split' });
    b.output(XA.qdq(b, s0!));
    b.output(YA.qdq(b, s1!));
    const g = b.build();
    const report = apply(g, recognizeQdq);
    expect(notesOf(report, recognizeQdq).join('\n')).toMatch(/"split" \(Split\) runs in float: its outputs are quantized with different parameters/);
    expect(g.nodes.find((n) => n.opType === 'Split')!.outputs[0]!.dtype).toBe('float32');
  });

  it('gives_each_elementwise_reader_its_own_dequantizer', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const d = XA.qdq(b, x);
    b.output(YA.q(b, b.op('Mul', [d, XA.qdq(b, b.op('Sigmoid', [d]))])));
    const g = b.build();
    const before = cloneGraph(g);
    apply(g, recognizeQdq);
    const dqs = g.nodes.filter((n) => n.opType === 'DequantizeLinear');
    const readers = g.consumers();
    // Each DQ has exactly one reader now (Sigmoid, Mul, and the Sigmoid's own DQ → Mul).
    for (const dq of dqs) expect(readers.get(dq.outputs[0]!)!.length).toBe(1);
    expect(dqs.length).toBe(3);
    expectSameOutputs(before, g, 0);
  });
});

/** x → Q → DQ → Conv → Q → DQ → QDQ SiLU [· DQ(extra)] → Q → DQ → output, as quantize_static writes a Conv+SiLU. */
function convSilu(extra: boolean) {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, C, HW, HW]);
  const [w, bias] = qdqWeights(b);
  const y = YA.qdq(b, b.op('Conv', [XA.qdq(b, x), w, bias], CONV, { name: 'conv' }));
  const SA = new Act(1 / 255, -128);
  let a = b.op('Mul', [y, SA.qdq(b, b.op('Sigmoid', [y]))], {}, { name: 'silu_mul' });
  if (extra) a = b.op('Add', [a, XA.qdq(b, b.input('z', 'float32', [1, M, HW, HW]))]);
  b.output(new Act(0.03, -100).qdq(b, a));
  return b.build();
}

describe('recognize-qdq: activations as tables', () => {
  it('folds_a_qdq_silu_into_its_qconv_as_a_256_entry_table_bit_for_bit', () => {
    const g = convSilu(false);
    const before = cloneGraph(g);
    const report = apply(g, recognizeQdq);
    expect(report.passes[0]!.fired).toMatchObject({ 'QConv → elementwise int8 function (a QDQ SiLU) → QConv with y_table': 1 });
    expect(opCounts(g)).toEqual({ QuantizeLinear: 1, 'ai.yhc.QConv': 1, DequantizeLinear: 1 });
    const qconv = g.nodes.find((n) => n.opType === 'QConv')!;
    expect(qconv.input(9).constant!.shape).toEqual([256]);
    expect(qconv.outputs[0]!.dtype).toBe('int8');
    expectSameOutputs(before, g, 0);
  });

  it('leaves_the_silu_alone_when_it_also_reads_another_tensor', () => {
    const g = convSilu(true);
    const before = cloneGraph(g);
    const report = apply(g, recognizeQdq);
    expect(report.passes[0]!.fired['QConv → elementwise int8 function (a QDQ SiLU) → QConv with y_table']).toBeUndefined();
    expect(g.nodes.find((n) => n.opType === 'QConv')!.inputs.length).toBe(9);
    expectSameOutputs(before, g, 0);
  });
});

describe('recognize-qdq: exactness of dropping Q(DQ(q))', () => {
  it('holds_for_ordinary_and_subnormal_scales_and_fails_where_the_product_overflows', () => {
    expect(roundTripsExactly({ scale: 0.0123, zeroPoint: -5, dtype: 'int8' })).toBe(true);
    expect(roundTripsExactly({ scale: 1 / 255, zeroPoint: 0, dtype: 'uint8' })).toBe(true);
    expect(roundTripsExactly({ scale: Math.fround(1e-44), zeroPoint: 0, dtype: 'int8' })).toBe(true);
    expect(roundTripsExactly({ scale: Math.fround(1e37), zeroPoint: 0, dtype: 'int8' })).toBe(false);
  });
});

describe('recognize-qdq: bad quantization parameters are one-line errors naming the node', () => {
  const weightsWith = (ws: Tensor, zp?: Tensor) => () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const w = b.op(
      'DequantizeLinear',
      [b.constant(W), b.constant(ws), b.constant(zp ?? Tensor.from('int8', [ws.size], new Array<number>(ws.size).fill(0)))],
      { axis: int(0) },
      { name: 'w_dq' },
    );
    b.output(b.op('Conv', [XA.qdq(b, x), w], CONV));
    return b.build();
  };
  const expectError = (build: () => unknown, code: string, message: RegExp) => {
    let err: unknown;
    try {
      build();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(YhcError);
    expect((err as YhcError).code).toBe(code);
    expect((err as YhcError).message).toMatch(message);
    expect((err as YhcError).message).not.toContain('\n');
  };
  const scales = (v: number) => Tensor.from('float32', [M], [0.01, 0.01, v, 0.01, 0.01, 0.01]);
  it('rejects_a_zero_weight_scale', () => expectError(weightsWith(scales(0)), 'ONNX_INVALID', /"w_dq".*holds 0/));
  it('rejects_a_negative_weight_scale', () => expectError(weightsWith(scales(-0.5)), 'ONNX_INVALID', /"w_dq".*holds -0\.5/));
  it('rejects_a_nan_weight_scale', () => expectError(weightsWith(scales(NaN)), 'ONNX_INVALID', /"w_dq".*holds NaN/));
  it('rejects_a_per_axis_scale_of_the_wrong_length', () =>
    expectError(weightsWith(Tensor.from('float32', [M + 1], new Array<number>(M + 1).fill(0.01))), 'SHAPE', /"w_dq".*needs \[6\]/));
  it('rejects_an_activation_zero_point_out_of_range', () => {
    const build = () => {
      const b = new GraphBuilder(17);
      const x = b.input('x', 'float32', [1, C]);
      // An int32 zero point for an int8 quantizer: the type says int32, the values say 300.
      b.output(b.op('QuantizeLinear', [x, b.constant(f32(0.1)), b.constant(Tensor.scalar('int32', 300))], {}, { name: 'x_q' }));
      return b.build();
    };
    expectError(build, 'UNSUPPORTED_DTYPE', /"x_q".*int32/);
  });
});
