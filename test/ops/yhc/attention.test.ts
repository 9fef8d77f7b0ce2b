import { describe, expect, it } from 'vitest';
import { runReference } from '../../../src/check/oracle.js';
import { encodeModel } from '../../../src/onnx/write.js';
import { typedArrayOf } from '../../../src/typed_arrays.js';
import { Tensor } from '../../../src/tensor.js';
import { int } from '../../helpers/attrs.js';
import { randomTensor } from '../../helpers/models.js';
import { attentionGraph, attentionDims, SCALE, type AttentionVariant } from '../../passes/attention_graphs.js';
import { expectClose, f32, float } from '../helpers.js';
import { expectYhcInferError, runYhc } from './yhc_op.js';

/** The exported subgraph run by onnxruntime, and ai.yhc.Attention on the same qkv and positional weights. */
async function againstOnnxRuntime(v: AttentionVariant): Promise<void> {
  const { n, heads, keyDim, headDim, h, w, group } = attentionDims(v);
  const qkv = randomTensor([n, heads * group, h, w], 7);
  const out = await runReference(encodeModel(attentionGraph(v).spec()), { qkv: { dtype: 'float32', shape: qkv.shape, data: typedArrayOf(qkv) } });
  const ref = Object.values(out)[0]!;
  const dim = heads * headDim;
  // attentionGraph's positional conv: seeds 13 and 14 (test/passes/attention_graphs.ts).
  const pe = (v.pe ?? 'joined') === 'joined' ? [randomTensor([dim, 1, 3, 3], 13, 0.3), randomTensor([dim], 14, 0.1)] : [];
  const mine = runYhc('Attention', [qkv, ...pe], { num_heads: int(heads), key_dim: int(keyDim), scale: float(SCALE) });
  expect(mine.shape).toEqual(ref.dims);
  expectClose(mine, new Tensor('float32', ref.dims, ref.data as Float32Array), 1e-5);
}

describe('ai.yhc.Attention', () => {
  it('computes_softmax_of_scaled_scores_times_v_by_hand', () => {
    // One head, key_dim 1, head_dim 1, two tokens: q = (1, 0), k = (0, 2), v = (3, 5), scale 1.
    // Token 0: scores (0, 2) → weights (1, e²)/(1 + e²); token 1: scores (0, 0) → (½, ½).
    const x = f32([1, 3, 1, 2], [1, 0, 0, 2, 3, 5]);
    const y = runYhc('Attention', [x], { num_heads: int(1), key_dim: int(1), scale: float(1) });
    const e2 = Math.exp(2);
    expectClose(y, f32([1, 1, 1, 2], [(3 + 5 * e2) / (1 + e2), 4]), 1e-6);
  });

  it('adds_the_positional_depthwise_conv_on_v_with_zero_padding', () => {
    // One token: softmax weight 1, so out = v + bias + centre tap · v.
    const x = f32([1, 3, 1, 1], [0.5, 0.25, 2]);
    const w = f32([1, 1, 3, 3], [9, 9, 9, 9, 10, 9, 9, 9, 9]);
    const y = runYhc('Attention', [x, w, f32([1], [0.5])], { num_heads: int(1), key_dim: int(1), scale: float(1) });
    expectClose(y, f32([1, 1, 1, 1], [2 + 0.5 + 10 * 2]), 1e-6);
  });

  it('matches_onnxruntime_on_the_exported_psa_subgraph', async () => {
    await againstOnnxRuntime({ n: 2, heads: 2, keyDim: 8, headDim: 16, h: 4, w: 5 });
  });

  it('matches_onnxruntime_without_a_positional_conv_one_head', async () => {
    await againstOnnxRuntime({ n: 1, heads: 1, keyDim: 4, headDim: 8, h: 3, w: 3, pe: 'none' });
  });

  it('rejects_channels_that_are_not_heads_times_2kd_plus_hd', () => {
    expectYhcInferError(
      'Attention',
      [randomTensor([1, 33, 2, 2], 1)],
      { num_heads: int(2), key_dim: int(8), scale: float(1) },
      'SHAPE',
      /33 channels, not num_heads \(2\)/,
    );
  });

  it('rejects_an_even_positional_kernel', () => {
    const x = randomTensor([1, 8, 2, 2], 1);
    expectYhcInferError('Attention', [x, randomTensor([4, 1, 2, 2], 2)], { num_heads: int(1), key_dim: int(2), scale: float(1) }, 'SHAPE', /with k odd/);
  });
});
