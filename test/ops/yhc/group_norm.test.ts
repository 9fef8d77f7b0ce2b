import { describe, it } from 'vitest';
import { runReference } from '../../../src/check/oracle.js';
import { encodeModel } from '../../../src/onnx/write.js';
import { typedArrayOf } from '../../../src/typed_arrays.js';
import { Tensor } from '../../../src/tensor.js';
import { expectClose, f32, float, randomTensor } from '../helpers.js';
import { expectYhcInferError, runYhc } from './yhc_op.js';

const x = f32([1, 4, 1, 2], [1, 3, 5, 7, 0, 0, 2, 2]);

/** torch's nn.GroupNorm as exported (Reshape → InstanceNormalization → Reshape → Mul → Add), run by onnxruntime. */
async function torchGroupNormOnOrt(input: Tensor, groups: number, gamma: Tensor, beta: Tensor, epsilon: number): Promise<Tensor> {
  const [n, c, ...spatial] = input.shape;
  const int64 = (values: number[]) => Tensor.from('int64', [values.length], values);
  const model = encodeModel({
    opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', dims: input.shape }],
    outputs: [{ name: 'y' }],
    initializers: [
      { name: 'grouped', tensor: int64([0, groups, -1]) },
      { name: 'back', tensor: int64([n!, c!, ...spatial]) },
      { name: 'ones', tensor: Tensor.from('float32', [groups], new Array<number>(groups).fill(1)) },
      { name: 'zeros', tensor: Tensor.from('float32', [groups], new Array<number>(groups).fill(0)) },
      { name: 'gamma', tensor: gamma.reshape([c!, ...spatial.map(() => 1)]) },
      { name: 'beta', tensor: beta.reshape([c!, ...spatial.map(() => 1)]) },
    ],
    nodes: [
      { op: 'Reshape', inputs: ['x', 'grouped'], outputs: ['r'] },
      { op: 'InstanceNormalization', inputs: ['r', 'ones', 'zeros'], outputs: ['n'], attrs: { epsilon: float(epsilon) } },
      { op: 'Reshape', inputs: ['n', 'back'], outputs: ['b'] },
      { op: 'Mul', inputs: ['b', 'gamma'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'beta'], outputs: ['y'] },
    ],
  });
  const out = await runReference(model, { x: { dtype: 'float32', shape: input.shape, data: typedArrayOf(input) } });
  return new Tensor('float32', out.y!.dims, out.y!.data as Float32Array);
}

describe('ai.yhc.GroupNorm', () => {
  it('normalizes_each_group_and_applies_per_channel_scale_and_bias', () => {
    // group 0 = {1,3,5,7}: mean 4, std √5; group 1 = {0,0,2,2}: mean 1, std 1.
    const y = runYhc('GroupNorm', [x, f32([4], [1, 2, 1, 1]), f32([4], [0, 0, 0, 10])], { num_groups: 2, epsilon: float(0) });
    const s5 = Math.sqrt(5);
    expectClose(y, f32([1, 4, 1, 2], [-3 / s5, -1 / s5, 2 / s5, 6 / s5, -1, -1, 11, 11]));
  });

  it('applies_its_activation_after_the_affine', () => {
    const scale = f32([4], [1, 2, 1, 1]);
    const bias = f32([4], [0, 0, 0, 10]);
    const plain = runYhc('GroupNorm', [x, scale, bias], { num_groups: 2, epsilon: float(0) });
    const silu = runYhc('GroupNorm', [x, scale, bias], { num_groups: 2, epsilon: float(0), activation: 'silu' });
    expectClose(
      silu,
      f32(
        [1, 4, 1, 2],
        Array.from(plain.data, (v) => v / (1 + Math.exp(-v))),
      ),
    );
  });

  it.each([
    [[2, 8, 5, 6], 4],
    [[1, 6, 7, 3], 6],
    [[1, 12, 4, 4], 1],
  ])('matches_onnxruntime_running_torchs_decomposition (x %j, %d groups)', async (shape, groups) => {
    const input = randomTensor(shape, 3);
    const gamma = randomTensor([shape[1]!], 4);
    const beta = randomTensor([shape[1]!], 5);
    const eps = Math.fround(1e-5);
    const got = runYhc('GroupNorm', [input, gamma, beta], { num_groups: groups, epsilon: float(eps) });
    expectClose(got, await torchGroupNormOnOrt(input, groups, gamma, beta, eps), 1e-4, 1e-5);
  });

  it('rejects_groups_that_do_not_divide_the_channels', () => {
    expectYhcInferError(
      'GroupNorm',
      [x, f32([4], [1, 1, 1, 1]), f32([4], [0, 0, 0, 0])],
      { num_groups: 3 },
      'SHAPE',
      /num_groups 3 must divide the channel count 4/,
    );
  });

  it('rejects_a_scale_per_group', () => {
    expectYhcInferError(
      'GroupNorm',
      [x, f32([2], [1, 1]), f32([4], [0, 0, 0, 0])],
      { num_groups: 2 },
      'SHAPE',
      /input 1 .* has shape \[2\]; expected \[4\] \(one per channel\)/,
    );
  });

  it('rejects_an_unknown_activation', () => {
    expectYhcInferError(
      'GroupNorm',
      [x, f32([4], [1, 1, 1, 1]), f32([4], [0, 0, 0, 0])],
      { num_groups: 2, activation: 'gelu' },
      'UNSUPPORTED_ATTRIBUTE',
      /activation "gelu"/,
    );
  });
});
