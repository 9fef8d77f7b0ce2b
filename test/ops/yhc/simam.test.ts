import { describe, it } from 'vitest';
import { runReference } from '../../../src/check/oracle.js';
import { encodeModel } from '../../../src/onnx/write.js';
import { typedArrayOf } from '../../../src/typed_arrays.js';
import { Tensor } from '../../../src/tensor.js';
import { expectClose, f32, float, randomTensor } from '../helpers.js';
import { expectYhcInferError, runYhc } from './yhc_op.js';

const LAMBDA = Math.fround(1e-4);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** SimAM as the official code writes it, exported op by op and run by onnxruntime. */
async function simamOnOrt(x: Tensor, lambda: number): Promise<Tensor> {
  const [, , h, w] = x.shape as [number, number, number, number];
  const c = (name: string, value: number) => ({ name, tensor: Tensor.scalar('float32', value) });
  const model = encodeModel({
    opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', dims: x.shape }],
    outputs: [{ name: 'y' }],
    initializers: [
      c('two', 2),
      c('n', h * w - 1),
      c('lambda', lambda),
      c('four', 4),
      c('half', 0.5),
      { name: 'axes', tensor: Tensor.from('int64', [2], [2, 3]) },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attrs: { axes: { type: 'ints', value: [2, 3] }, keepdims: { type: 'int', value: 1 } } },
      { op: 'Sub', inputs: ['x', 'mean'], outputs: ['s'] },
      { op: 'Pow', inputs: ['s', 'two'], outputs: ['d'] },
      { op: 'ReduceSum', inputs: ['d', 'axes'], outputs: ['sum'], attrs: { keepdims: { type: 'int', value: 1 } } },
      { op: 'Div', inputs: ['sum', 'n'], outputs: ['v'] },
      { op: 'Add', inputs: ['v', 'lambda'], outputs: ['vl'] },
      { op: 'Mul', inputs: ['vl', 'four'], outputs: ['den'] },
      { op: 'Div', inputs: ['d', 'den'], outputs: ['e'] },
      { op: 'Add', inputs: ['e', 'half'], outputs: ['yy'] },
      { op: 'Sigmoid', inputs: ['yy'], outputs: ['g'] },
      { op: 'Mul', inputs: ['x', 'g'], outputs: ['y'] },
    ],
  });
  const out = await runReference(model, { x: { dtype: 'float32', shape: x.shape, data: typedArrayOf(x) } });
  return new Tensor('float32', out.y!.dims, out.y!.data as Float32Array);
}

describe('ai.yhc.SimAM', () => {
  it('computes_the_official_formula_by_hand', () => {
    // One plane {1, 2, 3, 4}: mean 2.5, d = (2.25, 0.25, 0.25, 2.25), sum d = 5, n − 1 = 3.
    const x = f32([1, 1, 2, 2], [1, 2, 3, 4]);
    const denominator = 4 * (5 / 3 + LAMBDA);
    const d = [2.25, 0.25, 0.25, 2.25];
    const want = [1, 2, 3, 4].map((v, i) => v * sigmoid(d[i]! / denominator + 0.5));
    expectClose(runYhc('SimAM', [x], { lambda: float(LAMBDA) }), f32([1, 1, 2, 2], want));
  });

  it('keeps_planes_apart', () => {
    // Two planes, each with its own statistics.
    const x = f32([1, 2, 1, 3], [0, 1, 5, 10, 11, 15]);
    const y = runYhc('SimAM', [x], { lambda: float(LAMBDA) });
    const plane = (vals: number[]) => {
      const mean = vals.reduce((a, b) => a + b) / vals.length;
      const s = vals.reduce((a, v) => a + (v - mean) ** 2, 0);
      return vals.map((v) => v * sigmoid((v - mean) ** 2 / (4 * (s / (vals.length - 1) + LAMBDA)) + 0.5));
    };
    expectClose(y, f32([1, 2, 1, 3], [...plane([0, 1, 5]), ...plane([10, 11, 15])]));
  });

  it.each([
    [[1, 4, 6, 5], 1e-4],
    [[2, 3, 7, 7], 1e-2],
  ])('matches_onnxruntime_running_the_exported_ops (x %j, lambda %d)', async (shape, lambda) => {
    const x = randomTensor(shape, 21);
    const l = Math.fround(lambda);
    expectClose(runYhc('SimAM', [x], { lambda: float(l) }), await simamOnOrt(x, l), 1e-5, 1e-6);
  });

  it('rejects_an_input_without_spatial_axes', () => {
    expectYhcInferError('SimAM', [f32([2, 3], [1, 2, 3, 4, 5, 6])], { lambda: float(LAMBDA) }, 'SHAPE', /expected \[N, C, H, W\]/);
  });

  it('requires_lambda', () => {
    expectYhcInferError('SimAM', [f32([1, 1, 2, 2], [1, 2, 3, 4])], {}, 'ONNX_INVALID', /missing required attribute "lambda"/);
  });
});
