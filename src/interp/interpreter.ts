import { YhcError, q } from '../errors.js';
import { describeNode, type Graph, type Value } from '../ir/graph.js';
import { lookupOp } from '../ops/index.js';
import type { Tensor } from '../tensor.js';

/**
 * Runs any IR graph on the CPU with each op's reference semantics. It is the definition of
 * what a graph computes: passes and kernels are checked against it.
 */
export function runGraph(graph: Graph, inputs: Record<string, Tensor>): Record<string, Tensor> {
  const env = new Map<Value, Tensor>();
  for (const v of graph.inputs) {
    const t = inputs[v.name];
    if (!t) throw new YhcError('INPUT', `missing input ${q(v.name)}`);
    checkType(v, t, `input ${q(v.name)}`);
    env.set(v, t);
  }
  const lastUse = new Map<Value, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((v) => v && lastUse.set(v, i)));
  const keep = new Set(graph.outputs);

  graph.nodes.forEach((node, i) => {
    const def = lookupOp(node.opType, node.domain);
    if (!def) throw new YhcError('UNSUPPORTED_OP', `${describeNode(node)} has no reference semantics`);
    const args = node.inputs.map((v) => (v ? (v.constant ?? env.get(v) ?? missing(v)) : null));
    const results = def.evaluate(node, args, graph.opset(node.domain));
    if (results.length < node.outputs.length) {
      throw new YhcError('EVAL', `${describeNode(node)} produced ${results.length} outputs, expected ${node.outputs.length}`);
    }
    node.outputs.forEach((v, k) => {
      checkType(v, results[k]!, `output ${k} of ${describeNode(node)}`);
      env.set(v, results[k]!);
    });
    // Free what no later node reads, so big heads fit in memory.
    for (const v of node.inputs) if (v && lastUse.get(v) === i && !keep.has(v)) env.delete(v);
  });

  const out: Record<string, Tensor> = {};
  for (const v of graph.outputs) out[v.name] = v.constant ?? env.get(v) ?? missing(v);
  return out;
}

function missing(v: Value): never {
  throw new YhcError('EVAL', `value ${q(v.name)} was read before it was computed`);
}

function checkType(v: Value, t: Tensor, what: string): void {
  const same = t.dtype === v.dtype && t.shape.length === v.shape.length && t.shape.every((d, i) => d === v.shape[i]);
  if (!same) {
    throw new YhcError('INPUT', `${what} should be ${v.dtype}[${v.shape.join(', ')}], got ${t.dtype}[${t.shape.join(', ')}]`);
  }
}
