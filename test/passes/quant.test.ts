import { describe, expect, it } from 'vitest';
import { dequantize, quantizedOpsError } from '../../passes/dequantize.js';
import { recognizeQuant } from '../../passes/recognize_quant.js';
import { seededGraphInputs } from '../../passes/verify.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { cloneGraph } from '../../src/ir/clone.js';
import type { Attr } from '../../src/ir/graph.js';
import { Tensor } from '../../src/tensor.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { randomTensor } from '../helpers/models.js';
import { f32 } from '../helpers/tensors.js';
import { YHC, apply, expectLeftAlone, firedOf, int, ints, notesOf, str } from './norm_simam_dwpw_helpers.js';

// x [1, 4, 6, 6] → 3x3 convs with 5 output channels, as onnxruntime's quantize_dynamic writes them.
const [C, M, HW] = [4, 5, 6];
const CONV: Record<string, Attr> = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(1) };

function int8Weights(seed: number): Tensor {
  return Tensor.from(
    'int8',
    [M, C, 3, 3],
    Array.from(randomTensor([M, C, 3, 3], seed).data, (v) => Math.round(v * 127)),
  );
}
const W_SCALE = 0.0123;
const bias = (seed: number) => randomTensor([M, 1, 1], seed);

class DynamicNet {
  readonly b = new GraphBuilder(17);
  readonly x = this.b.input('x', 'float32', [1, C, HW, HW]);
  readonly q: string[];
  constructor() {
    this.q = this.b.node('DynamicQuantizeLinear', [this.x], {}, { outputs: 3, name: 'dql' });
  }
  /** ConvInteger → Cast → Mul(Mul(x_scale, w_scale)) [→ Add bias], as the exporter writes it. */
  chain(seed: number, opts: { bias?: boolean; factor?: string; wzp?: Tensor } = {}): string {
    const w = this.b.constant(int8Weights(seed));
    const wzp = this.b.constant(opts.wzp ?? Tensor.scalar('int8', 0));
    const acc = this.b.op('ConvInteger', [this.q[0]!, w, this.q[2]!, wzp], CONV, { name: `conv${seed}` });
    const cast = this.b.op('Cast', [acc], { to: int(1) });
    const factor = opts.factor ?? this.b.op('Mul', [this.q[1]!, this.b.constant(Tensor.scalar('float32', W_SCALE))]);
    const y = this.b.op('Mul', [cast, factor]);
    return opts.bias === false ? y : this.b.op('Add', [y, this.b.constant(bias(seed))]);
  }
}

/** The same net after recognize-quant: one QConv per conv. */
function expectedQConvs(seeds: number[]) {
  const b = new GraphBuilder(17);
  const x = b.input('x', 'float32', [1, C, HW, HW]);
  for (const seed of seeds) {
    const inputs = [
      x,
      b.constant(int8Weights(seed)),
      b.constant(f32([M], new Array<number>(M).fill(W_SCALE))),
      b.constant(Tensor.from('int8', [M], new Array<number>(M).fill(0))),
      b.constant(Tensor.from('float32', [M], bias(seed).data)),
    ];
    b.output(b.op('QConv', inputs, { ...CONV, activation: str('none'), input_quant: str('dynamic_uint8') }, YHC));
  }
  return b.build();
}

/** The two graphs compute bit-identical outputs on seeded inputs (the rewrite rounds as the chain does). */
function expectIdentical(before: ReturnType<GraphBuilder['build']>, after: ReturnType<GraphBuilder['build']>): void {
  const inputs = seededGraphInputs(before, 3);
  const a = runGraph(before, inputs);
  const b = runGraph(after, inputs);
  before.outputs.forEach((v, i) => expect(Array.from(b[after.outputs[i]!.name]!.data)).toEqual(Array.from(a[v.name]!.data)));
}

describe('recognize-quant', () => {
  it('rewrites_the_dynamic_chain_into_a_qconv_bit_for_bit', () => {
    const n = new DynamicNet();
    n.b.output(n.chain(1));
    const g = n.b.build();
    const before = cloneGraph(g);
    expect(firedOf(apply(g, recognizeQuant), recognizeQuant)).toBe(1);
    expectGraphsEqual(g, expectedQConvs([1]));
    expectIdentical(before, g);
  });

  it('one_quantizer_feeding_three_convs_becomes_three_qconvs', () => {
    const n = new DynamicNet();
    for (const s of [1, 2, 3]) n.b.output(n.chain(s));
    const g = n.b.build();
    const before = cloneGraph(g);
    expect(firedOf(apply(g, recognizeQuant), recognizeQuant)).toBe(3);
    expectGraphsEqual(g, expectedQConvs([1, 2, 3]));
    expectIdentical(before, g);
  });

  it('absorbs_silu_after_canonicalize', async () => {
    const { canonicalize } = await import('../../passes/canonicalize.js');
    const n = new DynamicNet();
    const y = n.chain(1);
    n.b.output(n.b.op('Mul', [y, n.b.op('Sigmoid', [y])]));
    const g = n.b.build();
    const before = cloneGraph(g);
    apply(g, recognizeQuant, canonicalize);
    expect(
      g.nodes.map((x) => `${x.opType}:${x.attrs.get('activation')?.type === 'string' ? (x.attrs.get('activation') as { value: string }).value : ''}`),
    ).toEqual(['QConv:silu']);
    expectSameOutputs(before, g);
  });

  it('leaves_a_chain_whose_factor_is_not_the_scale_product', () => {
    const n = new DynamicNet();
    n.b.output(n.chain(1, { factor: n.b.constant(Tensor.scalar('float32', 0.5)) }));
    expectLeftAlone(n.b.build(), recognizeQuant, /conv1.*not the input scale times a constant weight scale/);
  });

  it('leaves_a_conv_integer_without_a_dynamic_quantizer', () => {
    const b = new GraphBuilder(17);
    const x = b.input('xq', 'uint8', [1, C, HW, HW]);
    const acc = b.op('ConvInteger', [x, b.constant(int8Weights(1))], CONV, { name: 'lonely' });
    b.output(b.op('Cast', [acc], { to: int(1) }));
    expectLeftAlone(b.build(), recognizeQuant, /lonely.*not quantized by a DynamicQuantizeLinear/);
  });
});

describe('dequantize (--dequantize)', () => {
  it('turns_the_dynamic_chain_into_a_float_conv_with_dequantized_weights', () => {
    const n = new DynamicNet();
    n.b.output(n.chain(1, { wzp: Tensor.scalar('int8', 3) }));
    const g = n.b.build();
    const before = cloneGraph(g);
    apply(g, dequantize);
    expect(g.nodes.map((x) => x.opType)).toEqual(['Conv']);
    const w = g.nodes[0]!.input(1).constant!;
    const q = int8Weights(1);
    expect(w.data[7]).toBe(Math.fround((q.data[7]! - 3) * W_SCALE));
    // Float instead of int8: close to the quantized result, within its rounding (a few quanta).
    const inputs = seededGraphInputs(before, 3);
    const a = runGraph(before, inputs)[before.outputs[0]!.name]!;
    const d = runGraph(g, inputs)[g.outputs[0]!.name]!;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < a.size; i++) {
      worst = Math.max(worst, Math.abs(a.data[i]! - d.data[i]!));
      scale = Math.max(scale, Math.abs(a.data[i]!));
    }
    expect(worst).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(0.05);
  });

  it('drops_an_activation_quantize_dequantize_pair', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, 4]);
    const s = b.constant(Tensor.scalar('float32', 0.1));
    const z = b.constant(Tensor.scalar('int8', 0));
    const q = b.op('QuantizeLinear', [b.op('Relu', [x]), s, z]);
    b.output(b.op('Sigmoid', [b.op('DequantizeLinear', [q, s, z])]));
    const g = b.build();
    apply(g, dequantize);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'Sigmoid']);
    expect(quantizedOpsError(g)).toBeNull();
  });

  it('leaves_a_requantization_and_the_compile_error_names_it', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, 4]);
    const q = b.op('QuantizeLinear', [b.op('Relu', [x]), b.constant(Tensor.scalar('float32', 0.1)), b.constant(Tensor.scalar('int8', 0))], {}, { name: 'q' });
    b.output(b.op('DequantizeLinear', [q, b.constant(Tensor.scalar('float32', 0.2)), b.constant(Tensor.scalar('int8', 0))], {}, { name: 'dq' }));
    const g = b.build();
    const report = apply(g, dequantize);
    expect(notesOf(report, dequantize).join('\n')).toMatch(/"dq".*other parameters/);
    expect(quantizedOpsError(g)?.message).toMatch(/^node "q" \(QuantizeLinear\) and 1 more quantized node\(s\): .*--dequantize/);
  });
});
