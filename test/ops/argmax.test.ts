import { describe, it } from 'vitest';
import { checkCase, expectInferError, f32, i64, type OpCase } from './helpers.js';

const x = f32([2, 3], [1, 9, 9, 5, 2, 5]);
const cases: [string, OpCase][] = [
  ['ArgMax', { name: 'default_axis_keepdims', inputs: [x], outputs: [i64([1, 3], [1, 0, 0])] }],
  ['ArgMax', { name: 'axis_1_first_of_ties', attrs: { axis: 1 }, inputs: [x], outputs: [i64([2, 1], [1, 0])] }],
  ['ArgMax', { name: 'select_last_index', attrs: { axis: 1, select_last_index: 1 }, inputs: [x], outputs: [i64([2, 1], [2, 2])] }],
  ['ArgMax', { name: 'no_keepdims_negative_axis', attrs: { axis: -1, keepdims: 0 }, inputs: [x], outputs: [i64([2], [1, 0])] }],
  ['ArgMin', { name: 'axis_1', attrs: { axis: 1, keepdims: 0 }, inputs: [x], outputs: [i64([2], [0, 1])] }],
];

describe('ArgMax / ArgMin', () => {
  for (const [op, c] of cases) it(`${op} ${c.name}`, () => checkCase(op, c));
  it('rejects_axis_out_of_range', () => expectInferError('ArgMax', [x], { axis: 2 }, 'SHAPE', /bad_node.*axis 2/));
});
