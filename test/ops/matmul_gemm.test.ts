import { describe, expect, it } from 'vitest';
import { checkCase, expectClose, expectInferError, f32, float, makeNode, randomTensor, runOp, t, type OpCase } from './helpers.js';
import { runOrt } from './ort_oracle.js';

const a23 = f32([2, 3], [1, 2, 3, 4, 5, 6]);
const b32 = f32([3, 2], [1, 0, 0, 1, 1, 1]);

describe('MatMul', () => {
  const cases: OpCase[] = [
    { name: '2d', inputs: [a23, b32], outputs: [f32([2, 2], [4, 5, 10, 11])] },
    { name: '1d_1d', inputs: [f32([3], [1, 2, 3]), f32([3], [4, 5, 6])], outputs: [f32([], [32])] },
    { name: '1d_2d', inputs: [f32([3], [1, 1, 1]), b32], outputs: [f32([2], [2, 2])] },
    { name: '2d_1d', inputs: [a23, f32([3], [1, 0, 1])], outputs: [f32([2], [4, 10])] },
    { name: 'int32', inputs: [t('int32', [1, 2], [2, 3]), t('int32', [2, 1], [4, 5])], outputs: [t('int32', [1, 1], [23])] },
  ];
  for (const c of cases) it(c.name, () => checkCase('MatMul', c));

  it('matches onnxruntime with broadcast batch dims', async () => {
    for (const [as, bs] of [
      [
        [3, 1, 4, 5],
        [1, 2, 5, 6],
      ],
      [
        [2, 3, 4],
        [4, 2],
      ],
      [[4], [2, 4, 3]],
      [[2, 1, 3, 4], [4]],
    ]) {
      const a = randomTensor(as!, 1);
      const b = randomTensor(bs!, 2);
      const [got] = runOp('MatMul', [a, b]);
      const [want] = await runOrt('MatMul', [a, b]);
      expectClose(got!, want!, 1e-5, 1e-6);
    }
  });

  it('counts 2 flops per multiply-add', () => {
    const b = makeNode('MatMul', [
      { dtype: 'float32', shape: [2, 3, 4] },
      { dtype: 'float32', shape: [4, 5] },
    ]);
    const [ty] = b.def.infer(b.node, b.opset);
    b.node.outputs[0]!.shape = [...ty!.shape];
    expect(b.def.flops!(b.node)).toBe(2 * 2 * 3 * 5 * 4);
  });

  it('rejects_inner_dim_mismatch', () => expectInferError('MatMul', [a23, a23], {}, 'SHAPE', /bad_node.*inner dims 3 and 2/));
  it('rejects_batch_mismatch', () =>
    expectInferError(
      'MatMul',
      [
        { dtype: 'float32', shape: [2, 2, 3] },
        { dtype: 'float32', shape: [3, 3, 2] },
      ],
      {},
      'SHAPE',
      /batch dims/,
    ));
  it('rejects_bool', () => expectInferError('MatMul', [t('bool', [1, 1], [1]), t('bool', [1, 1], [1])], {}, 'UNSUPPORTED_DTYPE'));
});

describe('Gemm', () => {
  const cases: OpCase[] = [
    { name: 'no_bias', inputs: [a23, b32], outputs: [f32([2, 2], [4, 5, 10, 11])] },
    { name: 'alpha_beta_vector_bias', attrs: { alpha: float(2), beta: 0.5 }, inputs: [a23, b32, f32([2], [10, 20])], outputs: [f32([2, 2], [13, 20, 25, 32])] },
    {
      name: 'transA_transB_scalar_bias',
      attrs: { transA: 1, transB: 1 },
      inputs: [f32([3, 2], [1, 4, 2, 5, 3, 6]), f32([2, 3], [1, 0, 1, 0, 1, 1]), f32([], [1])],
      outputs: [f32([2, 2], [5, 6, 11, 12])],
    },
  ];
  for (const c of cases) it(c.name, () => checkCase('Gemm', c));

  it('matches onnxruntime with all attributes and a [M,1] bias', async () => {
    const a = randomTensor([4, 3], 1);
    const b = randomTensor([5, 4], 2);
    const c = randomTensor([3, 1], 3);
    const attrs = { transA: 1, transB: 1, alpha: 0.25, beta: 0.35 };
    const [got] = runOp('Gemm', [a, b, c], attrs);
    const [want] = await runOrt('Gemm', [a, b, c], attrs);
    expectClose(got!, want!, 1e-5, 1e-6);
  });

  it('rejects_non_broadcastable_bias', () => expectInferError('Gemm', [a23, b32, f32([3], [1, 2, 3])], {}, 'SHAPE', /bad_node.*C/));
  it('rejects_rank_3', () => expectInferError('Gemm', [{ dtype: 'float32', shape: [1, 2, 3] }, b32], {}, 'SHAPE', /2-D/));
});
