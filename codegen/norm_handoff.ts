import { YHC_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { isYhcOp } from '../src/ir/rewrite.js';
import { convGroups } from '../src/ops/conv.js';
import { RESIDUAL } from '../src/ops/yhc/conv.js';
import { PW, dwEpilogue, pwEpilogue } from '../src/ops/yhc/dwpw.js';
import { simamAttrs } from '../src/ops/yhc/simam.js';
import type { Activation } from '../src/ops/yhc/activation.js';

/**
 * Normalizations handed across a node boundary: the node that produces a tensor also leaves its
 * statistics, and every reader applies the normalization as it loads — no pass over memory.
 *
 * - GroupNorm: the pointwise GroupNorm of an ai.yhc.DwPw that has a depthwise GroupNorm too
 *   (its pointwise conv already normalizes on load and can gather statistics on store). The
 *   DwPw's output then holds the raw pointwise result.
 * - SimAM: an ai.yhc.SimAM whose input comes from a dense conv read by nothing else. That conv
 *   gathers each plane's statistics; the SimAM node runs no kernel; its readers read the conv's
 *   output through the SimAM gate.
 *
 * Only where every reader of the normalized tensor is a dense ai.yhc.Conv reading it as its
 * input (those load through conv_inputs.cuh), and no tensor involved is a graph output (the
 * engine must return what the graph means).
 */

export interface GroupNormHandoff {
  readonly kind: 'groupnorm';
  readonly groups: number;
  readonly epsilon: number;
  readonly activation: Activation;
  readonly scale: Value;
  readonly shift: Value;
  /** [N, groups·2] {mean, 1/sqrt(var + ε)}, written by the producer's last blocks. */
  readonly stats: Value;
}

export interface SimamHandoff {
  readonly kind: 'simam';
  /** What the readers load: the SimAM node's input, the dense conv's output. */
  readonly source: Value;
  readonly lambda: number;
  /** [N, C·2] {mean, 1/(4·(var + λ))} per plane, written by the conv's last blocks. */
  readonly stats: Value;
}

export type InputHandoff = GroupNormHandoff | SimamHandoff;

export interface Handoffs {
  /** By the value the readers read (the normalized tensor). */
  readonly inputs: ReadonlyMap<Value, InputHandoff>;
  /** By the tensor whose producer gathers SimAM's plane statistics. */
  readonly planeStats: ReadonlyMap<Value, SimamHandoff>;
}

// A conv adding a residual (its `_residual` kernel) neither loads through a normalization nor gathers one's statistics.
const isDenseYhcConv = (n: Node | null | undefined): n is Node => isYhcOp(n, 'Conv') && convGroups(n) === 1 && !n.inputs[RESIDUAL];
const readsAsInput = (n: Node, v: Value) => isDenseYhcConv(n) && n.input(0) === v && !n.inputs.slice(1).includes(v);

export function findHandoffs(graph: Graph): Handoffs {
  const readers = graph.consumers();
  const outputs = new Set(graph.outputs);
  const onlyConvInputs = (v: Value) => {
    const users = readers.get(v) ?? [];
    return !outputs.has(v) && users.length > 0 && users.every((n) => readsAsInput(n, v));
  };
  const inputs = new Map<Value, InputHandoff>();
  const planeStats = new Map<Value, SimamHandoff>();
  for (const node of graph.nodes) {
    if (node.domain !== YHC_DOMAIN) continue;
    const y = node.outputs[0]!;
    if (node.opType === 'DwPw') {
      const pw = pwEpilogue(node);
      if (dwEpilogue(node).normGroups === 0 || pw.normGroups === 0 || !onlyConvInputs(y)) continue;
      inputs.set(y, {
        kind: 'groupnorm',
        groups: pw.normGroups,
        epsilon: pw.normEpsilon,
        activation: pw.activation,
        scale: node.input(PW.normScale),
        shift: node.input(PW.normBias),
        stats: graph.newValue('', 'float32', [y.shape[0]!, pw.normGroups * 2]),
      });
    } else if (node.opType === 'SimAM') {
      const u = node.input(0);
      const producer = u.producer;
      const single = (readers.get(u) ?? []).length === 1 && !outputs.has(u);
      // The producer must not itself read through SimAM (one gate per load).
      if (!isDenseYhcConv(producer) || !single || inputs.get(producer.input(0))?.kind === 'simam' || !onlyConvInputs(y)) continue;
      const handoff: SimamHandoff = {
        kind: 'simam',
        source: u,
        lambda: simamAttrs(node).lambda,
        stats: graph.newValue('', 'float32', [u.shape[0]!, u.shape[1]! * 2]),
      };
      inputs.set(y, handoff);
      planeStats.set(u, handoff);
    }
  }
  return { inputs, planeStats };
}
