import { describe, expect, it } from 'vitest';
import { fuseAttention } from '../../passes/fuse_attention.js';
import { cloneGraph } from '../../src/ir/clone.js';
import { opCounts } from '../../src/ir/print.js';
import { GraphBuilder, expectGraphsEqual, expectSameOutputs } from '../helpers/graph_builder.js';
import { attentionGraph, fusedAttentionGraph, type AttentionVariant } from './attention_graphs.js';
import { apply, expectLeftAlone, firedOf, int, ints, notesOf } from './norm_simam_dwpw_helpers.js';

/** The pass sees the graph after canonicalize: convs are ai.yhc.Conv. */
const before = (v: AttentionVariant = {}) => attentionGraph({ yhcConvs: true, ...v }).build();

function expectFused(v: AttentionVariant = {}): void {
  const graph = before(v);
  const original = cloneGraph(graph);
  const report = apply(graph, fuseAttention);
  expect(firedOf(report, fuseAttention)).toBe(1);
  expectGraphsEqual(graph, fusedAttentionGraph(v).build());
  expectSameOutputs(original, graph);
}

describe('fuse-attention', () => {
  it('fuses_psa_attention_and_its_positional_conv_into_one_op', () => {
    expectFused();
  });

  it('fuses_attention_without_a_positional_conv', () => {
    expectFused({ pe: 'none' });
  });

  it('fuses_with_the_scale_written_first_or_as_a_division_or_absent', () => {
    expectFused({ scale: 'mul-swapped' });
    expectFused({ scale: 'div' });
    expectFused({ scale: 'none' });
  });

  it('fuses_when_the_positional_conv_is_added_first', () => {
    expectFused({ addSwapped: true });
  });

  it('fuses_the_dynamo_export_with_allowzero_reshapes', () => {
    expectFused({ allowzero: true });
  });

  it('fuses_one_head_and_batch_two_with_head_dim_64', () => {
    expectFused({ heads: 1, keyDim: 32, headDim: 64, n: 2 });
  });

  it('fuses_with_the_softmax_axis_written_as_3_at_opset_20', () => {
    expectFused({ opset: 20, softmaxAxis: 3 });
  });

  it('leaves_the_positional_conv_with_an_activation_as_a_conv_and_says_so', () => {
    const graph = before({ pe: 'activation' });
    const original = cloneGraph(graph);
    const report = apply(graph, fuseAttention);
    expect(firedOf(report, fuseAttention)).toBe(1);
    expect(notesOf(report, fuseAttention).join('\n')).toMatch(/positional .* stays a conv: it applies an activation/);
    // The attention is one op; v still reaches the conv through the Reshape and Split.
    expect(opCounts(graph)).toEqual({ 'ai.yhc.Attention': 1, Reshape: 2, Split: 1, 'ai.yhc.Conv': 1, Add: 1 });
    expectSameOutputs(original, graph);
  });

  it('leaves_an_uncentred_positional_conv_as_a_conv', () => {
    const graph = before({ pe: 'uncentred' });
    const original = cloneGraph(graph);
    const report = apply(graph, fuseAttention);
    expect(firedOf(report, fuseAttention)).toBe(1);
    expect(notesOf(report, fuseAttention).join('\n')).toMatch(/stays a conv: its padding is not centred/);
    expectSameOutputs(original, graph);
  });

  it('leaves_softmax_over_another_axis_alone', () => {
    expectLeftAlone(before({ softmaxAxis: 2 }), fuseAttention, /attention at .* left alone: .* is not over the last axis \(axis 2\)/);
  });

  it('leaves_scores_scaled_by_a_graph_input_alone', () => {
    expectLeftAlone(before({ scale: 'tensor' }), fuseAttention, /scaled by .*, not by a constant scalar/);
  });

  it('leaves_k_transposed_times_q_alone', () => {
    expectLeftAlone(before({ swapQK: true }), fuseAttention, /q and k are not the first two outputs of one three-way Split/);
  });

  it('leaves_attention_whose_result_is_not_reshaped_back_alone', () => {
    expectLeftAlone(before({ noReshapeBack: true, pe: 'none' }), fuseAttention, /not reshaped back to \[1, 32, 4, 5\]/);
  });

  it('does_not_fuse_when_the_scores_are_read_elsewhere', () => {
    expectLeftAlone(before({ leak: 'scores' }), fuseAttention, /intermediate value .* is also read elsewhere/);
  });

  it('does_not_fuse_when_the_attention_matrix_is_read_elsewhere', () => {
    expectLeftAlone(before({ leak: 'attention' }), fuseAttention, /intermediate value .* is also read elsewhere/);
  });

  it('fuses_between_the_qkv_and_proj_convs_leaving_them_convs', () => {
    const graph = before({ convs: true });
    const original = cloneGraph(graph);
    const report = apply(graph, fuseAttention);
    expect(firedOf(report, fuseAttention)).toBe(1);
    expect(opCounts(graph)).toEqual({ 'ai.yhc.Conv': 2, 'ai.yhc.Attention': 1 });
    expectSameOutputs(original, graph);
  });

  it('ignores_softmaxes_that_end_no_scores_product', () => {
    const b = new GraphBuilder(17);
    const x = b.input('x', 'float32', [1, 4, 16, 8]);
    b.output(b.op('Softmax', [b.op('Transpose', [x], { perm: ints([0, 2, 1, 3]) })], { axis: int(1) }));
    const graph = b.build();
    const report = apply(graph, fuseAttention);
    expect(firedOf(report, fuseAttention)).toBe(0);
    expect(notesOf(report, fuseAttention)).toEqual([]);
  });
});
