import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attr } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/tensor.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int, ints } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * max_pool under host emulation against the interpreter (src/ops/pool.ts, the definition) and
 * onnxruntime: SPPF's 5x5 window, strides with ceil_mode, dilation with asymmetric pads,
 * auto_pad, 1-D and 3-D pools, the Indices output in both storage orders, int8 ties, NaN.
 */
const { dir, cleanup } = tempDir('yhc-max-pool-');
afterAll(cleanup);

const b = new GraphBuilder(18);
const img = b.input('img', 'float32', [2, 3, 9, 8]);
const seq = b.input('seq', 'float32', [1, 2, 11]);
const vol = b.input('vol', 'float32', [1, 2, 5, 6, 4]);
const cases: string[] = [];
function pool(name: string, x: string, attrs: Record<string, Attr>, outputs = 1): void {
  const outs = b.node('MaxPool', [x], attrs, { outputs, name });
  outs.forEach((o, i) => {
    const out = b.op('Identity', [o], {}, { name: `${name}_out${i}` });
    b.output(out);
    cases.push(`${name}${i ? ' indices' : ''}`);
  });
}
pool('sppf_5x5_pad2', img, { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]) });
pool('k3_stride2_ceil_mode', img, { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) });
pool('k2_dilation2_asymmetric_pads', img, { kernel_shape: ints([2, 3]), dilations: ints([2, 2]), pads: ints([1, 0, 0, 2]), strides: ints([1, 2]) });
pool('same_upper_stride2', img, { kernel_shape: ints([3, 2]), strides: ints([2, 2]), auto_pad: { type: 'string', value: 'SAME_UPPER' } });
pool('one_d_k3_stride2_pads', seq, { kernel_shape: ints([3]), strides: ints([2]), pads: ints([1, 1]) });
pool('three_d_k2', vol, { kernel_shape: ints([2, 3, 2]), strides: ints([1, 2, 2]), pads: ints([0, 1, 0, 1, 1, 0]) });
pool('indices_row_major', img, { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, 2);
pool('indices_column_major', img, { kernel_shape: ints([3, 3]), strides: ints([2, 2]), storage_order: int(1) }, 2);
// int8 values in -3..3: many equal maxima, the first in window order wins (Indices show which).
const small = b.op('Cast', [b.op('Floor', [img])], { to: int(3) });
pool('int8_ties', small, { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }, 2);
// NaN: a NaN wins only as the first real tap of a window — the interpreter's rule. onnxruntime's
// 2-D float pool (MLAS) differs ([NaN, 1] gives 1, [2, NaN] gives NaN), so this case is compared
// with the interpreter only.
const nan = b.constant(Tensor.from('float32', [1, 1, 1, 6], [NaN, 1, 2, NaN, 0, -1]));
pool('nan_first_tap_only', nan, { kernel_shape: ints([1, 2]), pads: ints([0, 1, 0, 0]) });

let results: Record<string, CaseResult>;
let templates: string[];
beforeAll(async () => {
  ({ results, templates } = await runOpCases(dir, 'max_pool', b, {
    img: randomTensor([2, 3, 9, 8], 1, 1.3),
    seq: randomTensor([1, 2, 11], 2),
    vol: randomTensor([1, 2, 5, 6, 4], 3),
  }));
}, 300_000);

describe('max_pool (host emulation)', () => {
  it('every MaxPool runs the max_pool template', () => {
    expect(templates).toContain('max_pool.cuh');
  });
  it.each(cases.map((c, i) => [c, i] as const))('%s', (c, i) => {
    const r = Object.values(results)[i]!;
    if (c === 'nan_first_tap_only') expectCaseMatches({ ...r, reference: r.definition });
    else expectCaseMatches(r);
  });
  it("nan_first_tap_only: the NaN rule is the interpreter's", () => {
    expect(Object.values(results).at(-1)!.mine).toEqual([NaN, NaN, 2, 2, NaN, 0]);
  });
});
