import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int, ints } from '../../helpers/attrs.js';
import { randomTensor, writeModel } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { TEST_CACHE, tempDir } from '../../helpers/paths.js';
import { join } from 'node:path';
import { compileModel } from '../../../src/compile.js';
import { expectMatchesOnnxRuntime, withEngine } from '../../helpers/golden.js';

/**
 * Channel-range views (codegen/views.ts) run under host emulation against the interpreter and
 * onnxruntime: C2f (a split whose halves and the bottleneck outputs are written into the
 * concat's buffer), PSA (the residual sum overwrites the dead half in place), a concat of
 * concats (an elementwise chain and a max pool writing into ranges), a concat input that is also
 * a graph output, and a graph input copied into its range — at batch 1 and at batch 2, where a
 * range's images lie the concat buffer's per-image size apart (every kernel takes that stride).
 */
const { dir, cleanup } = tempDir('yhc-views-');
afterAll(cleanup);

/** The cases at `batch` images (at batch 2 the ranges are strided per image: the kernels take the image stride). */
function build(batch: number): GraphBuilder {
  const b = new GraphBuilder(18);
  const img = b.input('img', 'float32', [batch, 8, 6, 8]);
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
  // Concat of concats, one input a graph input (copied); an elementwise chain and a max pool
  // writing into ranges.
  const r = b.op('Relu', [img]);
  const s = b.op('Sigmoid', [img]);
  const t = b.op('Neg', [b.op('Tanh', [img])]);
  const p = b.op('MaxPool', [img], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  b.output(b.op('Neg', [cat([t, cat([r, s]), img, p])]));
  // A concat input also a graph output (batch 1 only: at batch 2 a strided output is refused).
  if (batch === 1) b.output(s);
  return b;
}
const cases = ['c2f', 'psa in place', 'concat of concats with a graph input', 'concat input also a graph output'];

const runs: Record<number, { results: Record<string, CaseResult>; templates: string[] }> = {};
beforeAll(async () => {
  for (const batch of [1, 2]) runs[batch] = await runOpCases(dir, `views_b${batch}`, build(batch), { img: randomTensor([batch, 8, 6, 8], 1, 1.5) });
}, 600_000);

describe.each([1, 2])('channel-range views (host emulation, batch %i)', (batch) => {
  it('no Split or Concat kernel; one copy (the graph input) into its range', () => {
    const t = runs[batch]!.templates.join(' + ');
    expect(t.match(/data_movement\.cuh/g)).toHaveLength(1);
  });
  it.each(cases.slice(0, batch === 1 ? 4 : 3).map((c, i) => [c, i] as const))('%s', (_c, i) => expectCaseMatches(Object.values(runs[batch]!.results)[i]));
});

describe('channel-range views at batch 2 in the checked build (--check, docs/checker.md)', () => {
  it('runs clean (a wrong image stride shows as an out-of-bounds access, a race or an uninitialized read) and matches onnxruntime', async () => {
    const model = writeModel(dir, 'views_checked.onnx', build(2).spec());
    const outDir = join(dir, 'views_checked');
    await compileModel(model, { outDir, target: 'host', check: true, cacheDir: TEST_CACHE, passes: false });
    await withEngine(outDir, (engine) => expectMatchesOnnxRuntime(model, engine, { img: randomTensor([2, 8, 6, 8], 7, 1.5).data as Float32Array }));
  }, 1_200_000);
});
