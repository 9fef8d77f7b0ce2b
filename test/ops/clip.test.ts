import { describe, it } from 'vitest';
import { checkCase, expectInferError, f32, float, t, type OpCase } from './helpers.js';

const x = f32([5], [-3, -1, 0, 1, 3]);
const cases: OpCase[] = [
  { name: 'min_and_max', inputs: [x, f32([], [-1]), f32([], [2])], outputs: [f32([5], [-1, -1, 0, 1, 2])] },
  { name: 'min_only', inputs: [x, f32([], [0])], outputs: [f32([5], [0, 0, 0, 1, 3])] },
  { name: 'max_only_min_omitted', inputs: [x, null, f32([], [0])], outputs: [f32([5], [-3, -1, 0, 0, 0])] },
  { name: 'no_bounds', inputs: [x], outputs: [x] },
  { name: 'min_greater_than_max_gives_max', inputs: [x, f32([], [2]), f32([], [1])], outputs: [f32([5], [1, 1, 1, 1, 1])] },
  { name: 'nan_stays_nan', inputs: [f32([1], [NaN]), f32([], [0]), f32([], [1])], outputs: [f32([1], [NaN])] },
  { name: 'int8', inputs: [t('int8', [3], [-100, 5, 100]), t('int8', [], [-10]), t('int8', [], [10])], outputs: [t('int8', [3], [-10, 5, 10])] },
  { name: 'opset6_attributes', opset: 6, attrs: { min: float(-1), max: float(1) }, inputs: [x], outputs: [f32([5], [-1, -1, 0, 1, 1])] },
];

describe('Clip', () => {
  for (const c of cases) it(c.name, () => checkCase('Clip', c));
  it('rejects_non_scalar_bounds', () => expectInferError('Clip', [x, f32([2], [0, 1])], {}, 'SHAPE', /bad_node.*scalar/));
  it('rejects_attribute_bounds_at_opset_13', () => expectInferError('Clip', [x], { min: float(0) }, 'UNSUPPORTED_ATTRIBUTE', /opset 11/, { opset: 13 }));
});
