import { describe, it } from 'vitest';
import { checkCase, expectClose, expectInferError, f32, float, randomTensor, runOp } from './helpers.js';
import { runOrt } from './ort_oracle.js';

describe('InstanceNormalization', () => {
  it('normalizes each (n, c) over space', () =>
    checkCase('InstanceNormalization', {
      name: 'example',
      attrs: { epsilon: float(0) },
      inputs: [f32([1, 2, 1, 2], [1, 3, 10, 20]), f32([2], [1, 2]), f32([2], [0, 1])],
      outputs: [f32([1, 2, 1, 2], [-1, 1, -1, 3])],
    }));

  it('matches onnxruntime (torch GroupNorm decomposition shape)', async () => {
    const x = randomTensor([2, 4, 3, 5], 3);
    const [got] = runOp('InstanceNormalization', [x, randomTensor([4], 4), randomTensor([4], 5)], { epsilon: 1e-5 });
    const [want] = await runOrt('InstanceNormalization', [x, randomTensor([4], 4), randomTensor([4], 5)], { epsilon: 1e-5 });
    expectClose(got!, want!, 1e-4, 1e-5);
  });

  it('rejects_scale_shape', () =>
    expectInferError('InstanceNormalization', [randomTensor([1, 2, 3], 1), f32([3], [1, 1, 1]), f32([2], [0, 0])], {}, 'SHAPE', /bad_node.*input 1/));
});
