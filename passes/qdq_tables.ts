import { ONNX_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { isYhcOp, redirect, Uses } from '../src/ir/rewrite.js';
import { lookupOp } from '../src/ops/index.js';
import { QCONV } from '../src/ops/yhc/qconv.js';
import { Tensor } from '../src/tensor.js';
import type { PassLog } from './pass.js';
import { FLOAT_ELEMENTWISE } from './qdq_elementwise.js';
import { qParams } from './qdq_params.js';

/**
 * Activations of a QConv's int8 output as a table (recognize-qdq, step 5). In a QDQ model a SiLU
 * after a conv is DQ → Sigmoid → Q → DQ → Mul → Q: a function of the conv's int8 output y alone,
 * element by element — so of at most 256 values. The interpreter evaluates those nodes once on
 * the 256 values (the same OpDefs, on a [256] tensor: elementwise ops compute each element as
 * they would in place), the table becomes the QConv's `y_table` input, and the conv's epilogue
 * writes the activated int8 value: the SiLU's kernel, its int8 read and write, are gone.
 *
 * The cone: the elementwise nodes between y and one Q, each reading only y, the cone's own
 * values and one-element constants; every reader of y and of each value inside is in the cone,
 * and the Q is per tensor, 8-bit. The last such Q in graph order wins.
 */

const ELEMENTWISE = new Set([...FLOAT_ELEMENTWISE, 'DequantizeLinear']);
const MAX_CONE = 16;

const elementwise = (n: Node) => n.domain === ONNX_DOMAIN && ELEMENTWISE.has(n.opType) && n.outputs.length === 1;

/** Elementwise descendants of y (bounded), in graph order. */
function descendants(y: Value, uses: Uses, order: Map<Node, number>): Node[] {
  const seen = new Set<Node>();
  const stack = [...uses.of(y)];
  while (stack.length > 0 && seen.size < MAX_CONE) {
    const n = stack.pop()!;
    if (seen.has(n) || !elementwise(n)) continue;
    seen.add(n);
    stack.push(...uses.of(n.outputs[0]!));
  }
  return [...seen].sort((a, b) => order.get(a)! - order.get(b)!);
}

/** The nodes of `within` on a path from y to q (q included), or null where the cone is not closed. */
function cone(y: Value, q: Node, within: readonly Node[], uses: Uses): Node[] | null {
  const set = new Set(within);
  const members = new Set<Node>([q]);
  const stack = [q];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const v of n.inputs) {
      if (!v || v === y) continue;
      if (v.constant) {
        if (v.constant.size !== 1) return null;
        continue;
      }
      const p = v.producer;
      if (!p || !set.has(p)) return null;
      if (!members.has(p)) {
        members.add(p);
        stack.push(p);
      }
    }
  }
  const inside = [...members];
  if (!uses.onlyReadBy(y, inside)) return null;
  for (const n of inside) if (n !== q && !uses.onlyReadBy(n.outputs[0]!, inside)) return null;
  return within.filter((n) => members.has(n));
}

/** The cone's function on the 256 values of y's type, by the ops' own evaluate. */
function tabulate(graph: Graph, y: Value, nodes: readonly Node[]): Tensor {
  const lo = y.dtype === 'int8' ? -128 : 0;
  const values = new Map<Value, Tensor>([
    [
      y,
      Tensor.from(
        y.dtype,
        [256],
        Array.from({ length: 256 }, (_, i) => lo + i),
      ),
    ],
  ]);
  for (const n of nodes) {
    const inputs = n.inputs.map((v) => (v ? (values.get(v) ?? v.constant) : null));
    const [out] = lookupOp(n.opType, n.domain)!.evaluate(n, inputs, graph.opset(n.domain));
    values.set(n.outputs[0]!, out!);
  }
  return values.get(nodes.at(-1)!.outputs[0]!)!;
}

export function tabulateActivations(graph: Graph, log: PassLog): void {
  const uses = new Uses(graph);
  const order = new Map<Node, number>();
  graph.nodes.forEach((n, i) => order.set(n, i));
  for (const conv of [...graph.nodes]) {
    if (!isYhcOp(conv, 'QConv') || conv.inputs.length !== QCONV.yZeroPoint + 1) continue;
    const y = conv.outputs[0]!;
    if (uses.isGraphOutput(y)) continue;
    const within = descendants(y, uses, order);
    let best: Node[] | null = null;
    for (const q of within) {
      if (q.opType !== 'QuantizeLinear' || !qParams(q)) continue;
      best = cone(y, q, within, uses) ?? best;
    }
    // The table is in the conv's output type (the kernel clamps and indexes in it).
    if (!best || best.at(-1)!.outputs[0]!.dtype !== y.dtype) continue;
    const q = best.at(-1)!;
    const table = graph.newConstant(`${conv.name}_y_table`, tabulate(graph, y, best));
    const out = graph.newValue(q.outputs[0]!.name, q.outputs[0]!.dtype, y.shape);
    const node = graph.newNode(conv.opType, conv.domain, conv.name, new Map(conv.attrs), [...conv.inputs, table], [conv, ...best]);
    graph.appendNode(node, [out]);
    redirect(graph, q.outputs[0]!, out);
    log.count('QConv → elementwise int8 function (a QDQ SiLU) → QConv with y_table');
  }
}
