import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundToHalf } from '../../../src/dtype.js';
import { FP16_RTOL, compareDense } from '../../../src/golden/compare.js';
import { Tensor } from '../../../src/tensor.js';
import { int } from '../../helpers/attrs.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * Fused elementwise kernels (codegen/kernels/fused_elementwise.ts, elementwise.cuh fused_map)
 * under host emulation against the interpreter and onnxruntime: SiLU with a broadcast bias, a
 * leaky ReLU written with Where, a 300-node Relu chain (one loop), an integer round trip through
 * Cast, Clip (with both bounds; alone, with only a max), and a float16 chain (half loads, rounding of half intermediates as the graph has them).
 */
const { dir, cleanup } = tempDir('yhc-fused-elementwise-');
afterAll(cleanup);

const SHAPE = [2, 3, 4, 5];
const b = new GraphBuilder(17);
const x = b.input('x', 'float32', SHAPE);
const h = b.input('h', 'float16', SHAPE);
const f32 = (v: number) => b.constant(Tensor.scalar('float32', v));
const cases: string[] = [];
const out = (name: string, v: string) => {
  b.output(b.op('Identity', [v], {}, { name }));
  cases.push(name);
};

out('silu_bias_relu', b.op('Relu', [b.op('Add', [b.op('Mul', [x, b.op('Sigmoid', [x])]), b.constant(randomTensor([3, 1, 1], 2))])]));
out('leaky_where', b.op('Where', [b.op('Greater', [x, f32(0)]), x, b.op('Mul', [x, f32(0.1)])]));
let chain = b.op('Sub', [x, f32(0.25)]);
for (let i = 0; i < 300; i++) chain = b.op('Relu', [chain]);
out('relu_chain_300', b.op('Tanh', [chain]));
const ints = b.op('Add', [b.op('Cast', [b.op('Mul', [x, f32(10)])], { to: int(6) }), b.constant(Tensor.scalar('int32', 3))]);
out('int32_round_trip', b.op('Cast', [ints], { to: int(1) }));
out('relu6_clip', b.op('Clip', [b.op('Mul', [x, f32(4)]), f32(0), f32(6)]));
out('clip_max_only', b.op('Clip', [x, '', f32(0.5)]));
const halfBias = b.constant(new Tensor('float16', [3, 1, 1], Float32Array.from([0.5, -1.25, 2], roundToHalf)));
out('float16_silu_bias', b.op('Cast', [b.op('Add', [b.op('Mul', [h, b.op('Sigmoid', [h])]), halfBias])], { to: int(1) }));

let results: Record<string, CaseResult>;
let templates: string[];
beforeAll(async () => {
  const xs = randomTensor(SHAPE, 1, 1.5);
  const hs = new Tensor('float16', SHAPE, (randomTensor(SHAPE, 3, 2).data as Float32Array).map(roundToHalf));
  ({ results, templates } = await runOpCases(dir, 'fused_elementwise', b, { x: xs, h: hs }));
}, 300_000);

describe('fused elementwise kernels (host emulation)', () => {
  it('each chain is one fused kernel', () => {
    expect(templates).toEqual(Array(cases.length).fill('elementwise.cuh'));
  });
  const byCase = (c: string) => Object.values(results)[cases.indexOf(c)];
  it.each(cases.filter((c) => !c.startsWith('float16')))('%s matches the interpreter and onnxruntime', (c) => {
    expectCaseMatches(byCase(c));
  });
  it('float16_silu_bias matches both within the fp16 rule (1e-2)', () => {
    const r = byCase('float16_silu_bias')!;
    expect(compareDense(r.mine, r.definition, FP16_RTOL).ok, `vs interpreter: ${r.mine.slice(0, 6)} / ${r.definition.slice(0, 6)}`).toBe(true);
    expect(compareDense(r.mine, r.reference, FP16_RTOL).ok, `vs onnxruntime: ${r.mine.slice(0, 6)} / ${r.reference.slice(0, 6)}`).toBe(true);
  });
});
