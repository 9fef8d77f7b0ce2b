import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int, ints } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * SPPF (three chained 5x5/stride-1/pad-2 MaxPools and the Concat of the four tensors) as ONE
 * sppf kernel under host emulation, against the interpreter (three separate pools) and
 * onnxruntime: a 20x20 plane (two tiles), an odd 13x11 plane at batch 2 (the Concat copied
 * there), and a pool output that is also a graph output (read back out of the concat's buffer).
 */
const { dir, cleanup } = tempDir('yhc-sppf-');
afterAll(cleanup);

const b = new GraphBuilder(18);
const img = b.input('img', 'float32', [1, 8, 20, 20]);
const odd = b.input('odd', 'float32', [2, 3, 13, 11]);
const pool = (x: string) => b.op('MaxPool', [x], { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]), strides: ints([1, 1]) });
function sppf(x: string): { cat: string; m9: string } {
  const m5 = pool(x);
  const m9 = pool(m5);
  const m13 = pool(m9);
  return { cat: b.op('Concat', [x, m5, m9, m13], { axis: int(1) }), m9 };
}
// The pools' input is written by a kernel (Relu), so the Concat can be a view at batch 1.
const one = sppf(b.op('Relu', [img]));
b.output(one.cat);
b.output(b.op('Identity', [one.m9]));
b.output(sppf(b.op('Sigmoid', [odd])).cat);
const cases = ['20x20 plane, concat as a view', '9-window output also a graph output', '13x11 plane, batch 2'];

let results: Record<string, CaseResult>;
let templates: string[];
beforeAll(async () => {
  ({ results, templates } = await runOpCases(dir, 'sppf', b, { img: randomTensor([1, 8, 20, 20], 1, 2), odd: randomTensor([2, 3, 13, 11], 2, 2) }));
}, 300_000);

describe('sppf (host emulation)', () => {
  it('the chains of three MaxPools run the sppf template: no max_pool kernel', () => {
    // The two chains are independent: horizontal fusion runs them in one launch.
    expect(templates.join(' + ')).toContain('sppf.cuh');
    expect(templates.join(' + ')).not.toContain('max_pool.cuh');
  });
  it.each(cases.map((c, i) => [c, i] as const))('%s', (_c, i) => expectCaseMatches(Object.values(results)[i]));
});
