import { describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { absorb, isOnnxOp, isYhcOp, removeNodes, sameShape, Uses } from '../src/ir/rewrite.js';
import { RESIDUAL } from '../src/ops/yhc/conv.js';
import type { Pass, PassLog } from './pass.js';

/**
 * A residual Add in its conv's epilogue: Add(ai.yhc.Conv(x, W, b), skip) — a C2f/C3k2
 * bottleneck's `x + cv2(cv1(x))`, a CIB's `x + cv1(x)` — becomes the conv with `skip` as its
 * residual input (y = act(conv + b) + skip), so the sum is written by the conv's own store and
 * the Add costs no launch and no pass over memory.
 *
 * Only where the conv's result is read by the Add alone (and is not a graph output), both
 * summands have the Add's shape (no broadcast) and the same type, and the conv has no residual
 * yet. Runs last: an activation absorbed after the Add would have to apply after the sum.
 */

/** The summand of `add` to fold into its producing conv and the other one, or the reason there is none. */
function residualOf(add: Node, uses: Uses): { conv: Node; skip: Value } | string | null {
  const [a, b] = [add.inputs[0], add.inputs[1]];
  const y = add.outputs[0]!;
  if (!a || !b) return null;
  // `x + conv(x)` is how exporters write it: the conv on the right first.
  const sides = [
    [b, a],
    [a, b],
  ] as const;
  let reason: string | null = null;
  for (const [summand, skip] of sides) {
    const conv = summand.producer;
    if (!isYhcOp(conv, 'Conv') || conv.outputs[0] !== summand) continue;
    if (conv.inputs[RESIDUAL]) reason = `${describeNode(conv)} already adds a residual`;
    else if (summand === skip) reason = 'both summands are the same conv output';
    else if (!sameShape(summand.shape, y.shape) || !sameShape(skip.shape, y.shape)) reason = 'a summand is broadcast';
    else if (summand.dtype !== skip.dtype) reason = 'the summands differ in type';
    else if (uses.soleReader(summand) !== add) reason = `the result of ${describeNode(conv)} is also read elsewhere`;
    else return { conv, skip };
  }
  return reason;
}

function fuseResiduals(graph: Graph, log: PassLog): void {
  const uses = new Uses(graph);
  const dead: Node[] = [];
  for (const add of graph.nodes) {
    if (!isOnnxOp(add, 'Add')) continue;
    const found = residualOf(add, uses);
    if (found === null) continue;
    if (typeof found === 'string') {
      log.note(`residual ${describeNode(add)} left as an Add: ${found}`);
      continue;
    }
    const { conv, skip } = found;
    while (conv.inputs.length < RESIDUAL) conv.inputs.push(null);
    conv.inputs[RESIDUAL] = skip;
    absorb(conv, [add]);
    // The conv now writes the sum: it takes the Add's output.
    const y = add.outputs[0]!;
    conv.outputs[0] = y;
    y.producer = conv;
    dead.push(add);
    log.count('residual Add into its conv');
  }
  removeNodes(graph, dead);
}

export const fuseResidual: Pass = {
  name: 'fuse-residual',
  rule: 'Add(Conv(x, W, b), skip) => Conv(x, W, b, residual = skip)',
  run(graph, log) {
    fuseResiduals(graph, log);
    graph.toposort();
  },
};
