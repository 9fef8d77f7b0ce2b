import { describe, it } from 'vitest';
import { checkCase, expectClose, expectInferError, f32, float, randomTensor, runOp } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const x = f32([1, 2, 1, 2], [1, 2, 3, 4]);
const params = [f32([2], [1, 2]), f32([2], [0, 10]), f32([2], [1, 3]), f32([2], [4, 1])];

describe('BatchNormalization', () => {
  it('normalizes per channel', () =>
    checkCase('BatchNormalization', {
      name: 'example',
      attrs: { epsilon: float(0) },
      inputs: [x, ...params],
      // ch0: (x-1)/2·1+0; ch1: (x-3)/1·2+10
      outputs: [f32([1, 2, 1, 2], [0, 0.5, 10, 12])],
    }));

  it('matches onnxruntime (opset 15)', async () => {
    const xx = randomTensor([2, 3, 4, 5], 1);
    const p = [randomTensor([3], 2), randomTensor([3], 3), randomTensor([3], 4), f32([3], [0.5, 1, 2])];
    const [got] = runOp('BatchNormalization', [xx, ...p], { epsilon: 0.01 }, { opset: 15 });
    const [want] = await runOrt('BatchNormalization', [xx, ...p], { epsilon: 0.01 }, { opset: 15 });
    expectClose(got!, want!, 1e-5, 1e-6);
  });

  it('rejects_training_mode', () =>
    expectInferError('BatchNormalization', [x, ...params], { training_mode: 1 }, 'UNSUPPORTED_ATTRIBUTE', /bad_node.*training_mode/, { opset: 15 }));
  it('rejects_training_outputs', () => expectInferError('BatchNormalization', [x, ...params], {}, 'UNSUPPORTED_ATTRIBUTE', /running/, { outputs: 3 }));
  it('rejects_parameter_shape', () =>
    expectInferError('BatchNormalization', [x, f32([3], [1, 1, 1]), ...params.slice(1)], {}, 'SHAPE', /input 1.*expected \[2\]/));
});
