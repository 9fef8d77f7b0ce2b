import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attr } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/tensor.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int, ints } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * Resize nearest x2 at no cost (codegen/upsample_views.ts): a YOLO neck's Resize → Concat →
 * dense conv runs no resize kernel; the conv reads the upsampled channels as up[y/2][x/2]
 * (conv2d_tiled_upsampled). Against the interpreter and onnxruntime: the Resize first in the
 * concat read by a 1x1 conv (16-byte run loads), the Resize second read by a 1x1 and a padded
 * 3x3 conv (element loads), and at batch 2, where the Concat is copied and the Resize runs.
 */
const { dir, cleanup } = tempDir('yhc-upsampled-');
afterAll(cleanup);

const b = new GraphBuilder(18);
const small = b.input('small', 'float32', [1, 4, 5, 6]);
const big = b.input('big', 'float32', [1, 3, 10, 12]);
const small2 = b.input('small2', 'float32', [2, 2, 3, 4]);
const big2 = b.input('big2', 'float32', [2, 3, 6, 8]);
const str = (value: string): Attr => ({ type: 'string', value });
const yolo = { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') };
const up = (x: string) => b.op('Resize', [b.op('Relu', [x]), '', b.constant(Tensor.from('float32', [4], [1, 1, 2, 2]))], yolo);
let seed = 10;
const conv = (x: string, cin: number, cout: number, k: number) =>
  b.op('Conv', [x, b.constant(randomTensor([cout, cin, k, k], seed++, 0.5)), b.constant(randomTensor([cout], seed++, 0.1))], {
    kernel_shape: ints([k, k]),
    pads: ints(new Array<number>(4).fill((k - 1) / 2)),
  });
const cat = (parts: string[]) => b.op('Concat', parts, { axis: int(1) });
b.output(conv(cat([up(small), b.op('Sigmoid', [big])]), 7, 8, 1));
const second = cat([b.op('Sigmoid', [big]), up(small)]);
b.output(conv(second, 7, 5, 1));
b.output(conv(second, 7, 6, 3));
b.output(conv(cat([up(small2), b.op('Sigmoid', [big2])]), 5, 4, 1));
const cases = ['resize first, 1x1 conv', 'resize second, 1x1 conv', 'resize second, 3x3 conv', 'batch 2: resize kernel, concat copied'];

let results: Record<string, CaseResult>;
let templates: string[];
beforeAll(async () => {
  ({ results, templates } = await runOpCases(dir, 'upsampled', b, {
    small: randomTensor([1, 4, 5, 6], 1, 2),
    big: randomTensor([1, 3, 10, 12], 2, 2),
    small2: randomTensor([2, 2, 3, 4], 3, 2),
    big2: randomTensor([2, 3, 6, 8], 4, 2),
  }));
}, 300_000);

describe('resize nearest x2 read through by the conv (host emulation)', () => {
  it('only the batch-2 Resize runs a resize kernel; no Concat at batch 1', () => {
    expect(templates.filter((t) => t.includes('resize_nearest.cuh'))).toHaveLength(1);
    expect(templates.filter((t) => t.includes('data_movement.cuh'))).toHaveLength(1);
  });
  it.each(cases.map((c, i) => [c, i] as const))('%s', (_c, i) => expectCaseMatches(Object.values(results)[i]));
});
