import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planGraph } from '../../../codegen/plan.js';
import { compareQuantized } from '../../../src/golden/quantized.js';
import { Tensor } from '../../../src/tensor.js';
import { int, ints } from '../../helpers/attrs.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * QuantizeLinear / DequantizeLinear kernels (per tensor; the fused elementwise kernel with the
 * scale and zero point as literals, elementwise.cuh quantize_linear / dequantize_linear) under
 * host emulation against the interpreter and onnxruntime: int8 and uint8, saturation at both
 * ends, values exactly on k + ½ (round half to even), a Q → DQ round trip, and a QDQ SiLU —
 * DQ → Sigmoid → Q → DQ → Mul → Q, one kernel from int8 to int8 — held to the quantized rule; and
 * SPPF's three MaxPools on int8 (one sppf kernel).
 */
const { dir, cleanup } = tempDir('yhc-quantize-linear-');
afterAll(cleanup);

const SHAPE = [2, 3, 4, 5];
const N = 120;
const b = new GraphBuilder(17);
const x = b.input('x', 'float32', SHAPE);
const e = b.input('e', 'float32', [N]);
const f32 = (v: number) => b.constant(Tensor.scalar('float32', v));
const i8 = (v: number) => b.constant(Tensor.scalar('int8', v));
const u8 = (v: number) => b.constant(Tensor.scalar('uint8', v));
const cases: string[] = [];
const out = (name: string, v: string) => {
  b.output(b.op('Identity', [v], {}, { name }));
  cases.push(name);
};

out('q_int8_saturating', b.op('QuantizeLinear', [x, f32(0.02), i8(3)]));
out('q_uint8_half_even', b.op('QuantizeLinear', [e, f32(0.25), u8(128)]));
out('q_int8_no_zero_point_is_uint8', b.op('QuantizeLinear', [x, f32(0.05)]));
out('q_dq_round_trip', b.op('DequantizeLinear', [b.op('QuantizeLinear', [x, f32(0.037), i8(-5)]), f32(0.037), i8(-5)]));
// The QDQ SiLU as onnxruntime's quantize_static writes it.
const q = b.op('QuantizeLinear', [x, f32(0.03), i8(0)]);
const sig = b.op('DequantizeLinear', [
  b.op('QuantizeLinear', [b.op('Sigmoid', [b.op('DequantizeLinear', [q, f32(0.03), i8(0)])]), f32(1 / 255), i8(-128)]),
  f32(1 / 255),
  i8(-128),
]);
const silu = b.op('Mul', [b.op('DequantizeLinear', [q, f32(0.03), i8(0)]), sig]);
out('qdq_silu', b.op('QuantizeLinear', [silu, f32(0.02), i8(-10)]));
out('qdq_silu_float', silu);
// SPPF on int8 (QDQ models' MaxPools run on int8 after recognize-qdq): one sppf kernel, exact.
const pool = (v: string) => b.op('MaxPool', [v], { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]), strides: ints([1, 1]) });
const q8 = b.op('QuantizeLinear', [x, f32(0.02), i8(3)]);
const p1 = pool(q8);
const p2 = pool(p1);
out('sppf_int8', b.op('Concat', [q8, p1, p2, pool(p2)], { axis: int(1) }));

let results: Record<string, CaseResult>;
let templates: string[];
const xs = randomTensor(SHAPE, 4, 2);
// k + ½ quanta exactly (0.25 · (k + 0.5) is exact in float32), from saturated below to above.
const es = Tensor.from(
  'float32',
  [N],
  Array.from({ length: N }, (_, i) => 0.25 * (i - 60 + 0.5) * (i % 3 === 0 ? 9 : 1)),
);
beforeAll(async () => {
  ({ results, templates } = await runOpCases(dir, 'quantize_linear', b, { x: xs, e: es }));
}, 300_000);

describe('QuantizeLinear / DequantizeLinear kernels (host emulation)', () => {
  const byCase = (c: string) => Object.values(results)[cases.indexOf(c)];
  it('the int8 MaxPools are one sppf kernel', () => expect(templates).toContain('sppf.cuh'));
  it.each(['q_int8_saturating', 'q_uint8_half_even', 'q_int8_no_zero_point_is_uint8', 'q_dq_round_trip', 'sppf_int8'])(
    '%s equals the interpreter and onnxruntime',
    (c) => {
      expectCaseMatches(byCase(c));
    },
  );
  it('the cases reach saturation and ties', () => {
    const r = byCase('q_int8_saturating')!.definition;
    expect(r).toContain(-128);
    expect(r).toContain(127);
    // Ties round to even: 4.5 → 4, 1.5 → 2, 2.5 → 2 quanta (zero point 128).
    expect(byCase('q_uint8_half_even')!.mine.slice(60, 63)).toEqual([132, 130, 130]);
  });
  it('qdq_silu (one int8 → int8 kernel) meets the quantized rule against both', () => {
    const r = byCase('qdq_silu')!;
    const pre = byCase('qdq_silu_float')!.definition.map((v) => v / Math.fround(0.02));
    const vsDefinition = compareQuantized(r.mine, r.definition, pre);
    const vsOrt = compareQuantized(r.mine, r.reference, pre);
    expect(vsDefinition.ok, vsDefinition.problem).toBe(true);
    expect(vsOrt.ok, vsOrt.problem).toBe(true);
  });
  it('the QDQ SiLU plans as one kernel reading int8 and writing int8', () => {
    const g = new GraphBuilder(17);
    const xi = g.input('xi', 'int8', SHAPE);
    const c = (v: number, t: 'float32' | 'int8') => g.constant(Tensor.scalar(t, v));
    const s1 = g.op('DequantizeLinear', [
      g.op('QuantizeLinear', [g.op('Sigmoid', [g.op('DequantizeLinear', [xi, c(0.03, 'float32'), c(0, 'int8')])]), c(1 / 255, 'float32'), c(-128, 'int8')]),
      c(1 / 255, 'float32'),
      c(-128, 'int8'),
    ]);
    const m = g.op('Mul', [g.op('DequantizeLinear', [xi, c(0.03, 'float32'), c(0, 'int8')]), s1]);
    g.output(g.op('QuantizeLinear', [m, c(0.02, 'float32'), c(-10, 'int8')]));
    const plan = planGraph(g.build());
    expect(plan.kernels.map((k) => k.spec.family)).toEqual(['fused']);
    expect(plan.kernels[0]!.spec.tensors.map((t) => `${t.access} ${t.value.dtype}`)).toEqual(['read int8', 'write int8']);
    expect(plan.arenaBytes).toBe(0);
  });
});
