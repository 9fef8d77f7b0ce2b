import { describe, expect, it } from 'vitest';
import { YHC_DOMAIN, type Graph, type Node } from '../../src/ir/graph.js';
import { cloneGraph } from '../../src/ir/clone.js';
import { loadModel } from '../../src/onnx/load.js';
import { PASSES, runPipeline } from '../../passes/index.js';
import { fixture } from '../helpers/paths.js';

/**
 * Provenance: every node a pass makes or folds into lists the model's ONNX nodes it stands for
 * (Node.origins), transitively — a DwPw made from yhc Convs and GroupNorms lists the Conv,
 * BatchNormalization, Reshape, InstanceNormalization, Sigmoid and Mul nodes those came from.
 */

function optimized(name: string): { graph: Graph; imported: Set<string> } {
  const graph = loadModel(fixture(name));
  const imported = new Set(graph.nodes.map((n) => n.name));
  runPipeline(graph, PASSES);
  return { graph, imported };
}

/** The op types of a node's origins, each once. */
const originOps = (n: Node) => new Set(n.origins.map((o) => o.opType));

describe.each(['improved_head_s', 'v10head_n', 'v10head_n_unfused', 'tiny_head'])('%s', (name) => {
  const { graph, imported } = optimized(name);

  it('every yhc node lists the imported nodes it replaced, in model order, each once', () => {
    for (const n of graph.nodes) {
      expect(n.origins.length, `${n.opType} ${n.name}`).toBeGreaterThan(0);
      for (const o of n.origins) expect(imported.has(o.name), o.name).toBe(true);
      expect(new Set(n.origins).size).toBe(n.origins.length);
      expect(n.origins.map((o) => o.order)).toEqual([...n.origins.map((o) => o.order)].sort((a, b) => a - b));
    }
  });

  it('no original node is claimed by two nodes (each replaced node has one heir)', () => {
    const claimed = graph.nodes.flatMap((n) => n.origins);
    expect(new Set(claimed).size).toBe(claimed.length);
  });

  it('canonicalize: a conv that absorbed a SiLU lists the Sigmoid and the Mul', () => {
    const conv = graph.nodes.find((n) => n.domain === YHC_DOMAIN && n.opType === 'Conv' && n.attrs.get('activation')?.value === 'silu')!;
    expect([...originOps(conv)]).toEqual(expect.arrayContaining(['Conv', 'Sigmoid', 'Mul']));
  });

  it('recognize-decoder: YoloDecode lists the decoder region (DFL softmax, sigmoid, top-k)', () => {
    const decode = graph.nodes.find((n) => n.opType === 'YoloDecode')!;
    expect([...originOps(decode)]).toEqual(expect.arrayContaining(['Softmax', 'Sigmoid', 'TopK', 'Concat']));
  });

  it('group-dw-pw: DwPw lists both convs and their epilogues', () => {
    const dwpw = graph.nodes.find((n) => n.opType === 'DwPw')!;
    expect(dwpw.origins.filter((o) => o.opType === 'Conv')).toHaveLength(2);
  });

  it('cloneGraph keeps origins', () => {
    const copy = cloneGraph(graph);
    copy.nodes.forEach((n, i) => expect(n.origins).toBe(graph.nodes[i]!.origins));
  });
});

it('fold-batchnorm: a conv lists the BatchNormalization folded into it (v10head_n_unfused)', () => {
  const { graph } = optimized('v10head_n_unfused');
  const convs = graph.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'DwPw');
  expect(convs.some((n) => originOps(n).has('BatchNormalization'))).toBe(true);
});

it('fold-repconv, fuse-groupnorm, inline-simam: their ops list what they replaced (improved_head_s)', () => {
  const { graph } = optimized('improved_head_s');
  // RepConv: the branches' convs, BNs and the Adds summing them.
  const rep = graph.nodes.find((n) => n.opType === 'Conv' && n.origins.some((o) => o.opType === 'Add'))!;
  expect(rep.origins.filter((o) => o.opType === 'Conv').length).toBeGreaterThanOrEqual(2);
  expect(originOps(rep).has('BatchNormalization')).toBe(true);
  // GroupNorm (inside a DwPw): torch's decomposition.
  expect(graph.nodes.some((n) => originOps(n).has('InstanceNormalization') && originOps(n).has('Reshape'))).toBe(true);
  // SimAM: the eleven ops.
  const simam = graph.nodes.find((n) => n.opType === 'SimAM')!;
  expect([...originOps(simam)]).toEqual(expect.arrayContaining(['ReduceMean', 'Sub', 'ReduceSum', 'Div', 'Add', 'Mul', 'Sigmoid']));
});
