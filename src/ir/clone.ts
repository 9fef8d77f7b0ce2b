import { Graph, type Node, type Value } from './graph.js';

/**
 * A deep copy of a graph's structure (nodes, values, attributes maps); constant tensors are
 * shared, since nothing mutates a Tensor. Passes rewrite in place: translation validation keeps
 * the graph before a pass as a clone.
 */
export function cloneGraph(g: Graph): Graph {
  const copy = new Graph(g.name, new Map(g.opsetImports));
  copy.metadataProps = g.metadataProps;
  copy.staticBatch = g.staticBatch;
  const values = new Map<Value, Value>();
  const v = (old: Value): Value => {
    let n = values.get(old);
    if (!n) {
      n = old.constant ? copy.newConstant(old.name, old.constant) : copy.newValue(old.name, old.dtype, old.shape);
      n.dequantized = old.dequantized;
      values.set(old, n);
    }
    return n;
  };
  copy.inputs = g.inputs.map(v);
  for (const node of g.nodes) {
    const n: Node = copy.newNode(
      node.opType,
      node.domain,
      node.name,
      new Map(node.attrs),
      node.inputs.map((x) => (x ? v(x) : null)),
    );
    n.origins = node.origins;
    copy.appendNode(n, node.outputs.map(v));
  }
  copy.outputs = g.outputs.map(v);
  return copy;
}
