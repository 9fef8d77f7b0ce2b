import { ONNX_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { fusedOperands, fusedStepKey, isFusableElementwise, needsFusedKernel } from './kernels/fused_elementwise.js';

/**
 * Vertical fusion of elementwise ops: a tree of elementwise nodes (unary maps, broadcasting
 * binary ops, Where, Cast, Clip, per-tensor QuantizeLinear / DequantizeLinear) whose intermediate values each have one reader, that reader in the
 * tree, and the shape of the tree's result, becomes one kernel (kernels/fused_elementwise.ts)
 * — the intermediates live in registers and are never stored.
 *
 * A value is not fused through (it stays a kernel boundary) when
 *   - it has two or more readers, or is a graph output: it must be stored anyway;
 *   - it is broadcast into its reader (its shape differs from the reader's output): fusing would
 *     recompute it for every element it is broadcast to;
 *   - the tree already holds MAX_STATEMENTS statements or MAX_INPUTS inputs (a run of one unary
 *     op repeated — Relu(Relu(…)) — is one statement, a loop).
 *
 * The walk is iterative (an explicit stack, no recursion): a 50,000-node chain is one cluster.
 */

/** Statements of one fused kernel's generated body. */
export const MAX_STATEMENTS = 64;
/** Distinct input tensors of one fused kernel (its pointer table is a by-value kernel argument). */
export const MAX_INPUTS = 16;

export interface ElementwiseCluster {
  /** The node whose output the kernel writes. */
  readonly root: Node;
  /** Every node of the tree, root included, in graph order. */
  readonly nodes: readonly Node[];
}

export interface ElementwiseFusion {
  /** Clusters of two or more nodes (or a lone Clip, Q or DQ), by root. */
  readonly byRoot: ReadonlyMap<Node, ElementwiseCluster>;
  /** Nodes inside a cluster that are not its root: they get no kernel of their own. */
  readonly absorbed: ReadonlySet<Node>;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export function findElementwiseClusters(graph: Graph): ElementwiseFusion {
  const order = new Map<Node, number>();
  graph.nodes.forEach((n, i) => order.set(n, i));
  const readers = graph.consumers();
  const outputs = new Set<Value>(graph.outputs);
  const fusable = (n: Node) => n.domain === ONNX_DOMAIN && isFusableElementwise(n);
  const byRoot = new Map<Node, ElementwiseCluster>();
  const absorbed = new Set<Node>();

  /** The elementwise producer of `v` that may fuse into its only reader `reader`, or null. */
  const fusableProducer = (v: Value, reader: Node): Node | null => {
    const p = v.producer;
    if (!p || !fusable(p) || absorbed.has(p) || byRoot.has(p) || p.outputs.length !== 1) return null;
    if (outputs.has(v)) return null;
    const users = readers.get(v) ?? [];
    if (users.length === 0 || users.some((u) => u !== reader)) return null;
    return sameShape(v.shape, reader.outputs[0]!.shape) ? p : null;
  };

  // Consumers first: a node not taken by a later node's tree roots its own.
  for (let r = graph.nodes.length - 1; r >= 0; r--) {
    const root = graph.nodes[r]!;
    if (absorbed.has(root) || !fusable(root)) continue;
    const members: Node[] = [root];
    const leaves = new Set<Value>();
    const slots = (n: Node) => fusedOperands(n).filter((v) => v !== null).length;
    let statements = 1;
    // Input slots of members not walked yet: with the leaves, a bound on the kernel's inputs.
    let open = slots(root);
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const m = stack.pop()!;
      for (const v of fusedOperands(m)) {
        if (!v) continue;
        open--;
        const p = fusableProducer(v, m);
        // A repeat of m's own unary op on m's input extends m's loop: no new statement.
        const key = p ? fusedStepKey(p) : null;
        const cost = key !== null && key === fusedStepKey(m) ? 0 : 1;
        if (p && statements + cost <= MAX_STATEMENTS && leaves.size + open + slots(p) <= MAX_INPUTS) {
          statements += cost;
          open += slots(p);
          absorbed.add(p);
          members.push(p);
          stack.push(p);
        } else {
          leaves.add(v);
        }
      }
    }
    // One node keeps its own kernel, unless it has none but this one (Clip, QuantizeLinear, DequantizeLinear).
    if (members.length < 2 && !needsFusedKernel(root)) continue;
    members.sort((a, b) => order.get(a)! - order.get(b)!);
    byRoot.set(root, { root, nodes: members });
  }
  return { byRoot, absorbed };
}
