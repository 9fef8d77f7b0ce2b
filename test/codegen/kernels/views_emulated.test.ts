import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int, ints } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * Channel-range views (codegen/views.ts) run under host emulation against the interpreter and
 * onnxruntime: C2f (a split whose halves and the bottleneck outputs are written into the
 * concat's buffer), PSA (the residual sum overwrites the dead half in place), a concat of
 * concats, a concat input that is also a graph output, and a graph input copied into its range.
 */
const { dir, cleanup } = tempDir('yhc-views-');
afterAll(cleanup);

const b = new GraphBuilder(18);
const img = b.input('img', 'float32', [1, 8, 6, 8]);
let seed = 20;
const conv = (x: string, cin: number, cout: number, k = 1) =>
  b.op('Conv', [x, b.constant(randomTensor([cout, cin, k, k], seed++, 0.4)), b.constant(randomTensor([cout], seed++, 0.1))], {
    kernel_shape: ints([k, k]),
    pads: ints(new Array<number>(4).fill((k - 1) / 2)),
  });
const split2 = (x: string) => b.node('Split', [x], { axis: int(1), num_outputs: int(2) }, { outputs: 2 }) as [string, string];
const cat = (parts: string[]) => b.op('Concat', parts, { axis: int(1) });

// C2f: cv1 → split → bottleneck (3x3 convs + residual) → concat → cv2.
const [y0, y1] = split2(conv(img, 8, 8));
const m = b.op('Add', [y1, conv(conv(y1, 4, 4, 3), 4, 4, 3)]);
b.output(conv(cat([y0, y1, m]), 12, 6));
// PSA: cv1 → split(a, b); b += f(b); b += g(b); cv2(cat(a, b)).
const [a, h] = split2(conv(img, 8, 8));
const b1 = b.op('Add', [h, conv(h, 4, 4, 3)]);
const b2 = b.op('Add', [b1, conv(b1, 4, 4)]);
b.output(conv(cat([a, b2]), 8, 5));
// Concat of concats, one input also a graph output, one input a graph input (copied).
const r = b.op('Relu', [img]);
const s = b.op('Sigmoid', [img]);
b.output(b.op('Neg', [cat([b.op('Tanh', [img]), cat([r, s]), img])]));
b.output(s);
const cases = ['c2f', 'psa in place', 'concat of concats with a graph input', 'concat input also a graph output'];

let results: Record<string, CaseResult>;
let templates: string[];
beforeAll(async () => {
  ({ results, templates } = await runOpCases(dir, 'views', b, { img: randomTensor([1, 8, 6, 8], 1, 1.5) }));
}, 300_000);

describe('channel-range views (host emulation)', () => {
  it('no Split or Concat kernel; one copy (the graph input) into its range', () => {
    const t = templates.join(' + ');
    expect(t.match(/data_movement\.cuh/g)).toHaveLength(1);
  });
  it.each(cases.map((c, i) => [c, i] as const))('%s', (_c, i) => expectCaseMatches(Object.values(results)[i]));
});
