import { attrInt } from '../src/ir/attributes.js';
import { YHC_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { PW, pwEpilogue } from '../src/ops/yhc/dwpw.js';
import type { Activation } from '../src/ops/yhc/activation.js';

/**
 * A GroupNorm handed across a node boundary: the node that computes it leaves the raw tensor
 * and its statistics, and every reader applies normalization, affine and activation as it
 * loads — no normalization pass over memory.
 *
 * Handed off: the pointwise GroupNorm of an ai.yhc.DwPw that has a depthwise GroupNorm too (its
 * pointwise conv already normalizes on load and can gather statistics on store), when every
 * reader of the output is a dense ai.yhc.Conv reading it as its input, and the output is not a
 * graph output (the engine must return what the graph means).
 */
export interface NormHandoff {
  readonly groups: number;
  readonly epsilon: number;
  readonly activation: Activation;
  readonly scale: Value;
  readonly shift: Value;
  /** [N·groups·2] {mean, 1/sqrt(var + ε)}, written by the producer's last blocks. */
  readonly stats: Value;
}

const isDenseYhcConv = (n: Node, v: Value) =>
  n.domain === YHC_DOMAIN && n.opType === 'Conv' && attrInt(n, 'group', 1) === 1 && n.input(0) === v && !n.inputs.slice(1).includes(v);

/** Outputs whose GroupNorm their readers apply, by value. */
export function findNormHandoffs(graph: Graph): Map<Value, NormHandoff> {
  const readers = graph.consumers();
  const outputs = new Set(graph.outputs);
  const handoffs = new Map<Value, NormHandoff>();
  for (const node of graph.nodes) {
    if (node.domain !== YHC_DOMAIN || node.opType !== 'DwPw') continue;
    if (attrInt(node, 'dw_norm_groups', 0) === 0 || attrInt(node, 'pw_norm_groups', 0) === 0) continue;
    const y = node.outputs[0]!;
    const users = readers.get(y) ?? [];
    if (outputs.has(y) || users.length === 0 || !users.every((n) => isDenseYhcConv(n, y))) continue;
    const pw = pwEpilogue(node);
    handoffs.set(y, {
      groups: pw.normGroups,
      epsilon: pw.normEpsilon,
      activation: pw.activation,
      scale: node.input(PW.normScale),
      shift: node.input(PW.normBias),
      stats: graph.newValue('', 'float32', [y.shape[0]! * pw.normGroups * 2]),
    });
  }
  return handoffs;
}

