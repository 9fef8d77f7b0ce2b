import { describe, expect, it } from 'vitest';
import { checkCase, expectClose, expectInferError, f32, float, randomTensor, runOp } from './helpers.js';
import { runOrt } from './ort_oracle.js';

describe('LayerNormalization', () => {
  it('normalizes the last axis with Mean and InvStdDev outputs', () =>
    checkCase('LayerNormalization', {
      name: 'last_axis',
      attrs: { epsilon: float(0) },
      inputs: [f32([2, 2], [1, 3, 2, 4]), f32([2], [1, 2]), f32([2], [0, 1])],
      outputs: [f32([2, 2], [-1, 3, -1, 3]), f32([2, 1], [2, 3]), f32([2, 1], [1, 1])],
    }));

  it('axis 0 without bias', () =>
    checkCase('LayerNormalization', {
      name: 'axis0',
      attrs: { axis: 0, epsilon: float(0) },
      inputs: [f32([2, 1], [0, 2]), f32([2, 1], [1, 1])],
      outputs: [f32([2, 1], [-1, 1])],
    }));

  it('matches onnxruntime with a broadcast scale and all outputs', async () => {
    const x = randomTensor([2, 3, 4, 5], 13);
    const scale = randomTensor([4, 1], 14);
    const bias = randomTensor([5], 15);
    const got = runOp('LayerNormalization', [x, scale, bias], { axis: -2 }, { outputs: 3 });
    const want = await runOrt('LayerNormalization', [x, scale, bias], { axis: -2 }, { outputs: 3 });
    got.forEach((g, i) => expectClose(g, want[i]!, 1e-4, 1e-5));
    expect(got[1]!.shape).toEqual([2, 3, 1, 1]);
  });

  it('rejects_scale_not_broadcastable', () =>
    expectInferError('LayerNormalization', [randomTensor([2, 3], 1), f32([2], [1, 1])], {}, 'SHAPE', /bad_node.*Scale/));
  it('rejects_axis_out_of_range', () => expectInferError('LayerNormalization', [randomTensor([2, 3], 1), f32([3], [1, 1, 1])], { axis: 2 }, 'SHAPE', /axis 2/));
  it('rejects_non_float_stash_type', () =>
    expectInferError('LayerNormalization', [randomTensor([2, 3], 1), f32([3], [1, 1, 1])], { stash_type: 7 }, 'UNSUPPORTED_DTYPE', /stash_type/));
});
