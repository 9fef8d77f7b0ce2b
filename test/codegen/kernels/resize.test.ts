import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attr } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/tensor.js';
import { GraphBuilder } from '../../helpers/graph_builder.js';
import { int } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { expectCaseMatches, runOpCases, type CaseResult } from '../../helpers/op_cases.js';
import { tempDir } from '../../helpers/paths.js';

/**
 * resize_nearest under host emulation against the interpreter (src/ops/resize.ts) and
 * onnxruntime: YOLO's x2 asymmetric/floor upsample (computed maps), and maps the kernel reads as
 * a table — half_pixel with round_prefer_floor and ceil, align_corners, a downsample, sizes
 * instead of scales, a resized batch axis, an int32 tensor.
 */
const { dir, cleanup } = tempDir('yhc-resize-');
afterAll(cleanup);

const b = new GraphBuilder(18);
const img = b.input('img', 'float32', [2, 3, 5, 4]);
const cases: string[] = [];
const str = (value: string): Attr => ({ type: 'string', value });
const scales = (v: number[]) => b.constant(Tensor.from('float32', [v.length], v));
const sizes = (v: number[]) => b.constant(Tensor.from('int64', [v.length], v));
function resize(name: string, x: string, how: { scales?: number[]; sizes?: number[] }, attrs: Record<string, Attr>): void {
  const inputs = [x, '', how.scales ? scales(how.scales) : '', ...(how.sizes ? [sizes(how.sizes)] : [])];
  const y = b.op('Resize', inputs, { mode: str('nearest'), ...attrs }, { name });
  b.output(b.op('Identity', [y], {}, { name: `${name}_out` }));
  cases.push(name);
}
const yolo = { coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') };
resize('yolo_x2_asymmetric_floor', img, { scales: [1, 1, 2, 2] }, yolo);
resize('x3_by_sizes_asymmetric_floor', img, { sizes: [2, 3, 15, 12] }, yolo);
resize('half_pixel_round_prefer_floor_x1_5', img, { scales: [1, 1, 1.5, 1.75] }, {});
resize('half_pixel_ceil_downsample', img, { scales: [1, 1, 0.6, 0.5] }, { nearest_mode: str('ceil') });
resize('align_corners_sizes', img, { sizes: [2, 3, 7, 9] }, { coordinate_transformation_mode: str('align_corners') });
resize('batch_axis_resized', img, { scales: [2, 1, 1, 1] }, yolo);
const k = b.op('Cast', [b.op('Floor', [img])], { to: int(6) });
resize('int32_x2', k, { scales: [1, 1, 2, 2] }, yolo);

let results: Record<string, CaseResult>;
let templates: string[];
beforeAll(async () => {
  ({ results, templates } = await runOpCases(dir, 'resize', b, { img: randomTensor([2, 3, 5, 4], 1, 3) }));
}, 300_000);

describe('resize_nearest (host emulation)', () => {
  it('every Resize runs the resize_nearest template', () => {
    expect(templates.filter((t) => t === 'resize_nearest.cuh')).toHaveLength(cases.length);
  });
  it.each(cases.map((c, i) => [c, i] as const))('%s', (_, i) => {
    expectCaseMatches(Object.values(results)[i]);
  });
});
