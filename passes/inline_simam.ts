import { YHC_DOMAIN, describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Uses, constantScalar, otherInput, removeNodes, isOnnxOp, sameShape } from '../src/ir/rewrite.js';
import { reduceKeepDims } from '../src/ops/reduce.js';
import { numel } from '../src/tensor.js';
import { writtenReduceAxes } from '../src/ops/util/axes.js';
import type { Pass, PassLog } from './pass.js';

/**
 * SimAM (official form), written out by the exporter as eleven ops over x [N, C, H, W]:
 *
 *   d   = Pow(Sub(x, ReduceMean_hw(x)), 2)                      (or Mul(s, s))
 *   y   = Add(Div(d, Mul(Add(Div(ReduceSum_hw(d), h·w − 1), λ), 4)), 0.5)
 *   out = Mul(x, Sigmoid(y))
 *
 * becomes ONE ai.yhc.SimAM(x) {lambda = λ}. Both reductions must be over exactly the spatial
 * axes with keepdims, the divisor h·w − 1, the constants 4 and 0.5; λ is read from the graph.
 * Look-alikes (other axes, divisor or constants, an intermediate value read elsewhere) are left
 * alone with a note — they still compute what they did.
 */

interface SimamMatch {
  readonly x: Value;
  readonly lambda: number;
  readonly out: Value;
  readonly replaced: readonly Node[];
  readonly name: string;
}

/** Whether a Reduce* node reduces exactly the spatial axes 2… of its input, keeping dims. */
function overSpatialAxes(n: Node): boolean {
  const rank = n.input(0).shape.length;
  const axes = writtenReduceAxes(n);
  return reduceKeepDims(n) && axes !== null && axes.length === rank - 2 && axes.every((a, i) => a === i + 2);
}

/** The first reader of `v` that is ONNX `op` and reads `v` as its input `slot` (any slot: −1). */
function readerOf(uses: Uses, v: Value, op: string, slot = -1): Node | undefined {
  return uses.of(v).find((n) => isOnnxOp(n, op) && (slot < 0 ? n.inputs.includes(v) : n.inputs[slot] === v));
}

/** The reader of `v` that is a binary `op` with a constant scalar as its other operand, and that scalar. */
function byScalar(uses: Uses, v: Value, op: string, commutative: boolean): { node: Node; value: number } | null {
  for (const n of uses.of(v)) {
    if (!isOnnxOp(n, op) || (!commutative && n.inputs[0] !== v)) continue;
    const value = constantScalar(otherInput(n, v));
    if (value !== null) return { node: n, value };
  }
  return null;
}

/**
 * Match from mean = ReduceMean(x). Null when this ReduceMean does not start a SimAM-like
 * pattern (no Sub(x, mean) squared and summed); a reason when it does but differs.
 */
function matchSimam(mean: Node, uses: Uses): SimamMatch | string | null {
  const x = mean.input(0);
  const m = mean.outputs[0]!;
  const sub = uses.of(m).find((n) => isOnnxOp(n, 'Sub') && n.inputs[0] === x && n.inputs[1] === m);
  if (!sub) return null;
  const s = sub.outputs[0]!;
  const square = uses
    .of(s)
    .find(
      (n) => (isOnnxOp(n, 'Pow') && n.inputs[0] === s && constantScalar(n.inputs[1]) === 2) || (isOnnxOp(n, 'Mul') && n.inputs[0] === s && n.inputs[1] === s),
    );
  const d = square?.outputs[0];
  const sum = d && readerOf(uses, d, 'ReduceSum', 0);
  if (!square || !d || !sum) return null; // not SimAM-shaped at all

  const rank = x.shape.length;
  if (rank < 3) return `its input has shape [${x.shape.join(',')}], without spatial axes`;
  if (!overSpatialAxes(mean)) return `${describeNode(mean)} does not average over exactly the spatial axes with keepdims`;
  if (!overSpatialAxes(sum)) return `${describeNode(sum)} does not sum over exactly the spatial axes with keepdims`;
  const plane = numel(x.shape.slice(2));
  const variance = byScalar(uses, sum.outputs[0]!, 'Div', false);
  if (!variance) return 'the sum of squared deviations is not divided by a constant';
  if (variance.value !== plane - 1) return `the sum of squared deviations is divided by ${variance.value}, not h·w − 1 = ${plane - 1}`;
  const withLambda = byScalar(uses, variance.node.outputs[0]!, 'Add', true);
  if (!withLambda) return 'no constant λ is added to the variance';
  const times4 = byScalar(uses, withLambda.node.outputs[0]!, 'Mul', true);
  if (!times4 || times4.value !== 4) return `the regularized variance is not multiplied by 4${times4 ? ` (by ${times4.value})` : ''}`;
  const energy = uses.of(d).find((n) => isOnnxOp(n, 'Div') && n.inputs[0] === d && n.inputs[1] === times4.node.outputs[0]);
  if (!energy) return 'the squared deviation is not divided by 4·(variance + λ)';
  const half = byScalar(uses, energy.outputs[0]!, 'Add', true);
  if (!half || half.value !== 0.5) return `0.5 is not added to the energy${half ? ` (${half.value} is)` : ''}`;
  const sigmoid = readerOf(uses, half.node.outputs[0]!, 'Sigmoid');
  const gate = sigmoid && uses.of(sigmoid.outputs[0]!).find((n) => isOnnxOp(n, 'Mul') && otherInput(n, sigmoid.outputs[0]!) === x);
  if (!sigmoid || !gate) return 'x is not gated by the sigmoid of the energy (x · Sigmoid(y))';
  const out = gate.outputs[0]!;
  if (!sameShape(out.shape, x.shape) || out.dtype !== x.dtype) return `the result has type ${out.dtype}[${out.shape.join(',')}], not the input's`;

  // Every value inside the pattern is read only by the pattern.
  const interior: [Value, Node[]][] = [
    [m, [sub]],
    [s, [square]],
    [d, [sum, energy]],
    [sum.outputs[0]!, [variance.node]],
    [variance.node.outputs[0]!, [withLambda.node]],
    [withLambda.node.outputs[0]!, [times4.node]],
    [times4.node.outputs[0]!, [energy]],
    [energy.outputs[0]!, [half.node]],
    [half.node.outputs[0]!, [sigmoid]],
    [sigmoid.outputs[0]!, [gate]],
  ];
  for (const [v, readers] of interior) if (!uses.onlyReadBy(v, readers)) return `an intermediate value (${JSON.stringify(v.name)}) is also read elsewhere`;
  const replaced = [mean, sub, square, sum, variance.node, withLambda.node, times4.node, energy, half.node, sigmoid, gate];
  return { x, lambda: withLambda.value, out, replaced, name: gate.name };
}

function inlineSimams(graph: Graph, log: PassLog): void {
  let uses = new Uses(graph);
  const gone = new Set<Node>();
  for (const node of [...graph.nodes]) {
    if (!isOnnxOp(node, 'ReduceMean') || gone.has(node)) continue;
    const found = matchSimam(node, uses);
    if (found === null) continue;
    if (typeof found === 'string') {
      log.note(`SimAM look-alike at ${describeNode(node)} left alone: ${found}`);
      continue;
    }
    removeNodes(graph, found.replaced);
    for (const n of found.replaced) gone.add(n);
    const simam = graph.newNode('SimAM', YHC_DOMAIN, found.name, new Map([['lambda', { type: 'float', value: found.lambda }]]), [found.x], found.replaced);
    graph.appendNode(simam, [found.out]);
    uses = new Uses(graph);
    log.count('SimAM → ai.yhc.SimAM');
  }
}

export const inlineSimam: Pass = {
  name: 'inline-simam',
  rule: 'd = (x − mean_hw x)²; x · Sigmoid(d / (4·(sum_hw d / (h·w − 1) + λ)) + 0.5) => SimAM(x){λ}',
  run(graph, log) {
    inlineSimams(graph, log);
    graph.toposort();
  },
};
