import { YHC_DOMAIN, describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Uses, absorb, canRedirect, redirect, removeNodes, isOnnxOp } from '../src/ir/rewrite.js';
import { isViewOp, lookupOp, takesActivation } from '../src/ops/index.js';
import { activationOf } from '../src/ops/yhc/activation.js';
import { Tensor } from '../src/tensor.js';
import type { Pass, PassLog } from './pass.js';

/** View ops a chain collapses over; an Identity still here is a copy the engine needs (removeIdentities). */
const collapsible = (n: Node | null): n is Node => !!n && isViewOp(n) && n.opType !== 'Identity';

/**
 * Conv → ai.yhc.Conv (one conv op that later passes fold into and attach epilogues to).
 * Its attributes are ONNX Conv's plus activation = "none".
 */
function convertConvs(graph: Graph, log: PassLog): void {
  for (const n of graph.nodes) {
    if (!isOnnxOp(n, 'Conv')) continue;
    n.domain = YHC_DOMAIN;
    n.attrs.set('activation', { type: 'string', value: 'none' });
    log.count('Conv → ai.yhc.Conv');
  }
}

/**
 * Nodes whose inputs are all constant are evaluated now — except those computing a graph
 * output, which the engine must still write.
 */
function foldConstants(graph: Graph, log: PassLog): void {
  const dead: Node[] = [];
  const outputs = new Set(graph.outputs);
  for (const n of graph.nodes) {
    if (n.inputs.length === 0 || !n.inputs.every((v) => v === null || v.constant)) continue;
    if (n.outputs.some((v) => outputs.has(v))) continue;
    const def = lookupOp(n.opType, n.domain);
    if (!def) continue;
    const results = def.evaluate(
      n,
      n.inputs.map((v) => v?.constant ?? null),
      graph.opset(n.domain),
    );
    n.outputs.forEach((v, i) => (v.constant = results[i]!));
    n.outputs.forEach((v) => (v.producer = null));
    dead.push(n);
    log.count('constant node folded');
  }
  removeNodes(graph, dead);
}

/** Identity(x) is x. */
function removeIdentities(graph: Graph, log: PassLog): void {
  const dead: Node[] = [];
  for (const n of graph.nodes) {
    if (!isOnnxOp(n, 'Identity')) continue;
    const [x, y] = [n.input(0), n.outputs[0]!];
    if (!canRedirect(graph, y, x)) continue; // an output that is a graph input or constant needs its copy
    redirect(graph, y, x);
    dead.push(n);
    log.count('Identity removed');
  }
  removeNodes(graph, dead);
}

/** A chain of view ops is one Reshape to the final shape: views only relabel row-major data. */
function collapseViews(graph: Graph, log: PassLog): void {
  const uses = new Uses(graph);
  for (const n of graph.nodes) {
    if (!collapsible(n)) continue;
    let source = n.input(0);
    const hopped: Node[] = [];
    while (collapsible(source.producer) && uses.soleReader(source) === n) {
      hopped.push(source.producer);
      source = source.producer.input(0);
    }
    const hops = hopped.length;
    const out = n.outputs[0]!;
    if (n.opType === 'Reshape' && hops === 0) continue;
    n.opType = 'Reshape';
    absorb(n, hopped); // the views it skips die with their last reader
    n.attrs = new Map([['allowzero', { type: 'int', value: 0 }]]);
    n.inputs = [source, graph.newConstant(`${out.name}_shape`, Tensor.from('int64', [out.shape.length], out.shape))];
    log.count(hops > 0 ? 'view chain collapsed into one Reshape' : 'view op written as Reshape');
  }
}

/** The activation y = x · Sigmoid(x) reads `x`; null if `mul` is not that pattern. */
function siluInput(mul: Node): Value | null {
  if (!isOnnxOp(mul, 'Mul')) return null;
  const [a, b] = [mul.inputs[0], mul.inputs[1]];
  if (!a || !b) return null;
  if (isOnnxOp(b.producer, 'Sigmoid') && b.producer.input(0) === a) return a;
  if (isOnnxOp(a.producer, 'Sigmoid') && a.producer.input(0) === b) return b;
  return null;
}

/** x · Sigmoid(x) → the producer of x applies SiLU itself, when it is a yhc op that can. */
function absorbSilu(graph: Graph, log: PassLog): void {
  const uses = new Uses(graph);
  const dead: Node[] = [];
  for (const mul of graph.nodes) {
    const x = siluInput(mul);
    if (!x) continue;
    const sigmoid = (mul.inputs[0] === x ? mul.inputs[1] : mul.inputs[0])!.producer!;
    const producer = x.producer;
    // Not a near-match, and no note: most such producers become yhc ops in a later pass, and the
    // next canonicalize run takes the SiLU then.
    if (!producer || !takesActivation(producer)) continue;
    const why =
      activationOf(producer) !== 'none'
        ? `${describeNode(producer)} already applies an activation`
        : !uses.onlyReadBy(x, [mul, sigmoid])
          ? `the pre-activation value of ${describeNode(producer)} is also read elsewhere`
          : uses.of(sigmoid.outputs[0]!).length !== 1 || uses.isGraphOutput(sigmoid.outputs[0]!)
            ? 'the Sigmoid is also read elsewhere'
            : null;
    if (why) {
      log.note(`SiLU at ${describeNode(mul)} left as Sigmoid·Mul: ${why}`);
      continue;
    }
    producer.attrs.set('activation', { type: 'string', value: 'silu' });
    absorb(producer, [sigmoid, mul]);
    // The producer now writes the activated value: it takes the Mul's output.
    const y = mul.outputs[0]!;
    producer.outputs[producer.outputs.indexOf(x)] = y;
    y.producer = producer;
    dead.push(sigmoid, mul);
    log.count('SiLU absorbed into its producer');
  }
  removeNodes(graph, dead);
}

export const canonicalize: Pass = {
  name: 'canonicalize',
  rule: 'Conv => yhc.Conv; const op => const; Identity(x) => x; view(view(x)) => Reshape(x); x * Sigmoid(x) => producer{activation=silu}',
  run(graph, log) {
    convertConvs(graph, log);
    foldConstants(graph, log);
    removeIdentities(graph, log);
    collapseViews(graph, log);
    absorbSilu(graph, log);
    log.count('dead node removed', graph.removeDeadNodes());
    if (log.fired.get('dead node removed') === 0) log.fired.delete('dead node removed');
    graph.toposort();
  },
};
