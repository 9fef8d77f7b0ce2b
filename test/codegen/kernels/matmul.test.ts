import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/tensor.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int, ints } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * matmul under host emulation against the interpreter (src/ops/matmul_gemm.ts) and onnxruntime:
 * attention's two products ([B, heads, tokens, dim] · [B, heads, dim, tokens], then
 * [B, heads, dim, tokens] · [B, heads, tokens, tokens]ᵀ), 2-D by a constant, batch dims
 * broadcast both ways and by rank, 1-D operands on either side, int64.
 */
const { dir, cleanup } = tempDir('yhc-matmul-');
afterAll(cleanup);

const b = new GraphBuilder(18);
const q = b.input('q', 'float32', [2, 2, 24, 8]);
const kT = b.input('k', 'float32', [2, 2, 8, 24]);
const v = b.input('v', 'float32', [2, 2, 16, 24]);
const cases: string[] = [];
function matmul(name: string, a: string, bb: string): void {
  const y = b.op('MatMul', [a, bb], {}, { name });
  b.output(b.op('Identity', [y], {}, { name: `${name}_out` }));
  cases.push(name);
}
const scores = b.op('MatMul', [q, kT], {}, { name: 'attention_scores' });
const attn = b.op('Softmax', [scores], {});
b.output(b.op('Identity', [scores], {}, { name: 'scores_out' }));
cases.push('attention_scores');
matmul('attention_values', v, b.op('Transpose', [attn], { perm: ints([0, 1, 3, 2]) }));
matmul('two_d_by_constant', b.op('Reshape', [q, b.constant(Tensor.from('int64', [2], [96, 8]))]), b.constant(randomTensor([8, 5], 4)));
matmul('batch_broadcast_both_ways', b.op('Reshape', [q, b.constant(Tensor.from('int64', [4], [2, 1, 48, 8]))]), b.constant(randomTensor([1, 3, 8, 7], 5)));
matmul('batch_broadcast_by_rank', q, b.constant(randomTensor([8, 6], 6)));
matmul('one_d_left', b.constant(randomTensor([8], 7)), kT);
matmul('one_d_right', q, b.constant(randomTensor([8], 8)));
matmul(
  'int64',
  b.op('Cast', [b.op('Floor', [q])], { to: int(7) }),
  b.constant(Tensor.from('int64', [8, 2], [7, 8, -9, 10, 11, 12, 0, 1, -1, 2, 3, -4, 5, 6, -7, 9])),
);

let results: Record<string, CaseResult>;
let templates: string[];
beforeAll(async () => {
  ({ results, templates } = await runOpCases(dir, 'matmul', b, {
    q: randomTensor([2, 2, 24, 8], 1),
    k: randomTensor([2, 2, 8, 24], 2),
    v: randomTensor([2, 2, 16, 24], 3),
  }));
}, 300_000);

describe('matmul (host emulation)', () => {
  it('every MatMul runs the matmul template', () => {
    expect(templates.filter((t) => t === 'matmul.cuh')).toHaveLength(cases.length);
  });
  it.each(cases.map((c, i) => [c, i] as const))('%s', (_, i) => {
    expectCaseMatches(Object.values(results)[i]);
  });
});
