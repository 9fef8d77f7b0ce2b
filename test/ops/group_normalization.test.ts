import { describe, expect, it } from 'vitest';
import { checkCase, expectClose, expectInferError, f32, float, randomTensor, runOp } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x = f32([1, 4, 1, 2], [1, 3, 5, 7, 0, 0, 2, 2]);

describe('GroupNormalization', () => {
  it('opset 21: scale and bias per channel', () =>
    checkCase('GroupNormalization', {
      name: 'per_channel',
      opset: 21,
      attrs: { num_groups: 2, epsilon: float(0) },
      inputs: [x, f32([4], [1, 2, 1, 1]), f32([4], [0, 0, 0, 10])],
      // group 0 = {1,3,5,7}: mean 4, std √5; group 1 = {0,0,2,2}: mean 1, std 1.
      outputs: [f32([1, 4, 1, 2], [-3 / Math.sqrt(5), -1 / Math.sqrt(5), 2 / Math.sqrt(5), 6 / Math.sqrt(5), -1, -1, 11, 11])],
    }));

  it('opset 18: scale and bias per group', () =>
    checkCase('GroupNormalization', {
      name: 'per_group',
      opset: 18,
      attrs: { num_groups: 2, epsilon: float(0) },
      inputs: [x, f32([2], [2, 1]), f32([2], [0, 5])],
      outputs: [f32([1, 4, 1, 2], [-6 / Math.sqrt(5), -2 / Math.sqrt(5), 2 / Math.sqrt(5), 6 / Math.sqrt(5), 4, 4, 6, 6])],
    }));

  it('matches onnxruntime at opset 21', async () => {
    const xx = randomTensor([2, 6, 3, 4], 7);
    const scale = randomTensor([6], 8);
    const bias = randomTensor([6], 9);
    const attrs = { num_groups: 3, epsilon: 1e-5 };
    const [got] = runOp('GroupNormalization', [xx, scale, bias], attrs, { opset: 21 });
    const [want] = await runOrt('GroupNormalization', [xx, scale, bias], attrs, { opset: 21 });
    expectClose(got!, want!, 1e-4, 1e-5);
  });

  it('matches onnxruntime at opset 18 (per-group scale)', async () => {
    const xx = randomTensor([1, 8, 5, 5], 10);
    const scale = randomTensor([4], 11);
    const bias = randomTensor([4], 12);
    const attrs = { num_groups: 4, epsilon: 1e-5 };
    let want;
    try {
      [want] = await runOrt('GroupNormalization', [xx, scale, bias], attrs, { opset: 18 });
    } catch (e) {
      console.warn(`onnxruntime cannot run GroupNormalization-18: ${(e as Error).message}`);
      return; // this onnxruntime build does not implement the deprecated opset-18 form
    }
    const [got] = runOp('GroupNormalization', [xx, scale, bias], attrs, { opset: 18 });
    expectClose(got!, want!, 1e-4, 1e-5);
  });

  it('the model opset decides which scale shape is valid', () => {
    expectInferError('GroupNormalization', [x, f32([4], [1, 1, 1, 1]), f32([4], [0, 0, 0, 0])], { num_groups: 2 }, 'SHAPE', /opset 18.*\[2\].*per group/, {
      opset: 18,
    });
    expectInferError('GroupNormalization', [x, f32([2], [1, 1]), f32([2], [0, 0])], { num_groups: 2 }, 'SHAPE', /opset 21.*\[4\].*per channel/, { opset: 21 });
  });

  it('accepts stash_type', () => {
    const [y] = runOp('GroupNormalization', [x, f32([4], [1, 1, 1, 1]), f32([4], [0, 0, 0, 0])], { num_groups: 1, stash_type: 1 }, { opset: 21 });
    expect(y!.shape).toEqual([1, 4, 1, 2]);
  });

  it('rejects_groups_not_dividing_channels', () =>
    expectInferError('GroupNormalization', [x, f32([3], [1, 1, 1]), f32([3], [0, 0, 0])], { num_groups: 3 }, 'SHAPE', /bad_node.*num_groups 3/, { opset: 18 }));
  it('rejects_missing_num_groups', () =>
    expectInferError('GroupNormalization', [x, f32([4], [1, 1, 1, 1]), f32([4], [0, 0, 0, 0])], {}, 'ONNX_INVALID', /num_groups/, { opset: 21 }));
});
