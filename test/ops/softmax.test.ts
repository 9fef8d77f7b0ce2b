import { describe, expect, it } from 'vitest';
import { checkCase, expectInferError, f32, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const e = Math.exp;
const s3 = e(1) + e(2) + e(3);

const cases: [string, OpCase][] = [
  ['Softmax', { name: 'last_axis', inputs: [f32([1, 3], [1, 2, 3])], outputs: [f32([1, 3], [e(1) / s3, e(2) / s3, e(3) / s3])] }],
  ['Softmax', { name: 'axis_0', attrs: { axis: 0 }, inputs: [f32([2, 1], [0, 0])], outputs: [f32([2, 1], [0.5, 0.5])] }],
  ['Softmax', { name: 'large_values_are_stable', inputs: [f32([2], [10000, 10000])], outputs: [f32([2], [0.5, 0.5])] }],
  ['LogSoftmax', { name: 'last_axis', inputs: [f32([2], [0, 0])], outputs: [f32([2], [-Math.LN2, -Math.LN2])] }],
];

describe('Softmax', () => {
  for (const [op, c] of cases) it(`${op} ${c.name}`, () => checkCase(op, c));

  it('matches onnxruntime on a DFL-shaped input (softmax over 16 bins on axis 1)', async () => {
    const x = randomTensor([1, 16, 4, 50], 12);
    const [got] = runOp('Softmax', [x], { axis: 1 });
    const [want] = await runOrt('Softmax', [x], { axis: 1 });
    for (let i = 0; i < x.size; i++) expect(Math.abs(got!.data[i]! - want!.data[i]!)).toBeLessThan(1e-6);
  });

  it('opset 11 coerces to 2-D at axis', () => {
    const x = f32([1, 2, 2], [0, 0, 0, 0]);
    const [y] = runOp('Softmax', [x], { axis: 1 }, { opset: 11 });
    expect(Array.from(y!.data)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('rejects_axis_out_of_range', () => expectInferError('Softmax', [f32([2], [1, 2])], { axis: 1 }, 'SHAPE', /bad_node.*axis 1/));
  it('rejects_integer_input', () => expectInferError('Softmax', [t('int32', [2], [1, 2])], {}, 'UNSUPPORTED_DTYPE'));
});
