import { describe, it } from 'vitest';
import { checkCase, expectInferError, f32, i64, t, type OpCase } from './helpers.js';

const cases: OpCase[] = [
  { name: 'same_shape', inputs: [t('bool', [4], [1, 0, 1, 0]), f32([4], [1, 2, 3, 4]), f32([4], [10, 20, 30, 40])], outputs: [f32([4], [1, 20, 3, 40])] },
  {
    name: 'three_way_broadcast',
    inputs: [t('bool', [2, 1], [1, 0]), f32([1, 3], [1, 2, 3]), f32([], [-1])],
    outputs: [f32([2, 3], [1, 2, 3, -1, -1, -1])],
  },
  { name: 'int64', inputs: [t('bool', [2], [0, 1]), i64([2], [5, 6]), i64([1], [9])], outputs: [i64([2], [9, 6])] },
];

describe('Where', () => {
  for (const c of cases) it(c.name, () => checkCase('Where', c));
  it('rejects_non_bool_condition', () =>
    expectInferError('Where', [f32([1], [1]), f32([1], [1]), f32([1], [1])], {}, 'UNSUPPORTED_DTYPE', /bad_node.*float32/));
  it('rejects_mismatched_branches', () => expectInferError('Where', [t('bool', [1], [1]), f32([1], [1]), i64([1], [1])], {}, 'UNSUPPORTED_DTYPE'));
  it('rejects_incompatible_shapes', () => expectInferError('Where', [t('bool', [2], [1, 1]), f32([3], [1, 2, 3]), f32([1], [1])], {}, 'SHAPE', /condition.*X/));
});
