import { describe, expect, it } from 'vitest';
import { seededGraphInputs } from '../../../passes/verify.js';
import { runGraph } from '../../../src/interp/interpreter.js';
import type { Attr } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/tensor.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { randomTensor } from '../../helpers/models.js';
import { int, ints, str } from '../../helpers/attrs.js';

// ai.yhc.QConv input_quant "static": the meaning is DQ(x) → Conv(DQ(w), bias) → Q, bit for bit.
const [C, M, HW] = [4, 5, 6];
const CONV: Record<string, Attr> = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(1) };
const W = Tensor.from(
  'int8',
  [M, C, 3, 3],
  Array.from(randomTensor([M, C, 3, 3], 5).data, (v) => Math.max(-127, Math.min(127, Math.round(v * 60)))),
);
const WS = Tensor.from('float32', [M], [0.011, 0.02, 0.007, 0.013, 0.009]);
const WZ = Tensor.from('int8', [M], [0, 0, 0, 0, 0]);
const B = Tensor.from('float32', [M], [0.1, -0.2, 0.05, 0, 0.3]);
const f = (v: number) => Tensor.scalar('float32', v);

function chain(quantizeOutput: boolean, activation: 'none' | 'relu') {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, C, HW, HW]);
  const xq = b.op('QuantizeLinear', [x, b.constant(f(0.02)), b.constant(Tensor.scalar('int8', 3))]);
  const xf = b.op('DequantizeLinear', [xq, b.constant(f(0.02)), b.constant(Tensor.scalar('int8', 3))]);
  const wf = b.op('DequantizeLinear', [b.constant(W), b.constant(WS), b.constant(WZ)], { axis: int(0) });
  let y = b.op('Conv', [xf, wf, b.constant(B)], CONV);
  if (activation === 'relu') y = b.op('Relu', [y]);
  b.output(quantizeOutput ? b.op('QuantizeLinear', [y, b.constant(f(0.05)), b.constant(Tensor.scalar('uint8', 128))]) : y);
  return b.build();
}

function qconv(quantizeOutput: boolean, activation: 'none' | 'relu') {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, C, HW, HW]);
  const xq = b.op('QuantizeLinear', [x, b.constant(f(0.02)), b.constant(Tensor.scalar('int8', 3))]);
  const inputs = [xq, b.constant(W), b.constant(WS), b.constant(WZ), b.constant(B), b.constant(f(0.02)), b.constant(Tensor.scalar('int8', 3))];
  if (quantizeOutput) inputs.push(b.constant(f(0.05)), b.constant(Tensor.scalar('uint8', 128)));
  b.output(b.op('QConv', inputs, { ...CONV, activation: str(activation), input_quant: str('static') }, { domain: 'ai.yhc' }));
  return b.build();
}

describe('ai.yhc.QConv static', () => {
  for (const q of [true, false]) {
    for (const act of ['none', 'relu'] as const) {
      it(`computes_dequantize_conv_${act}_${q ? 'quantize' : 'float'}_bit_for_bit`, () => {
        const a = chain(q, act);
        const b = qconv(q, act);
        const inputs = seededGraphInputs(a, 2);
        const ra = runGraph(a, inputs)[a.outputs[0]!.name]!;
        const rb = runGraph(b, inputs)[b.outputs[0]!.name]!;
        expect(rb.dtype).toBe(q ? 'uint8' : 'float32');
        expect(Array.from(rb.data)).toEqual(Array.from(ra.data));
        // Not all saturated or zero: the comparison means something.
        expect(new Set(rb.data).size).toBeGreaterThan(20);
      });
    }
  }

  it('refuses_a_float_input_in_static_mode_naming_the_node', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, C, HW, HW]);
    const inputs = [x, b.constant(W), b.constant(WS), b.constant(WZ), b.constant(B), b.constant(f(0.02)), b.constant(Tensor.scalar('int8', 3))];
    b.output(b.op('QConv', inputs, { ...CONV, activation: str('none'), input_quant: str('static') }, { domain: 'ai.yhc', name: 'qc' }));
    expect(() => b.build()).toThrow(/"qc".*int8/);
  });

  it('refuses_y_scale_without_y_zero_point', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'int8', [1, C, HW, HW]);
    const inputs = [
      x,
      b.constant(W),
      b.constant(WS),
      b.constant(WZ),
      b.constant(B),
      b.constant(f(0.02)),
      b.constant(Tensor.scalar('int8', 3)),
      b.constant(f(0.5)),
    ];
    b.output(b.op('QConv', inputs, { ...CONV, activation: str('none'), input_quant: str('static') }, { domain: 'ai.yhc', name: 'qc' }));
    expect(() => b.build()).toThrow(/"qc".*come together/);
  });
});
