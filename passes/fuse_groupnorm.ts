import { ONNX_DOMAIN, YHC_DOMAIN, describeNode, type Attrs, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Uses, constantScalar, otherInput, removeNodes, isOnnxOp, sameShape } from '../src/ir/rewrite.js';
import { groupNormalizationAttrs, perChannelScale } from '../src/ops/group_normalization.js';
import { instanceNormalizationAttrs } from '../src/ops/instance_normalization.js';
import { reduceKeepDims } from '../src/ops/reduce.js';
import { Tensor, numel } from '../src/tensor.js';
import { writtenReduceAxes } from '../src/ops/util/axes.js';
import type { Pass, PassLog } from './pass.js';

/**
 * GroupNorm, in every form it arrives in, becomes ONE ai.yhc.GroupNorm(x, scale[C], bias[C])
 * {num_groups, epsilon, activation = "none"} (canonicalize then attaches a following SiLU):
 *
 *   torch:      r = Reshape(x, [N, G, -1]); InstanceNormalization(r, 1, 0, ε)
 *               → Reshape back to x's shape → Mul γ → Add β         (γ, β one value per channel)
 *   primitive:  r = Reshape(x, [N, G, -1]); d = r − ReduceMean(r); Div(d, √(ReduceMean(d²) + ε))
 *               → Reshape back → Mul γ → Add β
 *   GroupNormalization(x, s, b): opset 18 has s, b per GROUP (expanded here), 21 per channel
 *   InstanceNormalization(x, s, b) on x's own channels: GroupNorm with num_groups = C
 *
 * The Mul and Add are optional (unit affine without them). Whatever else stands where the
 * pattern expects these (other reshape sizes, a non-unit InstanceNormalization scale, a γ that
 * is not per channel, an intermediate value read elsewhere) is left alone, with a note.
 */

const shapeText = (s: readonly number[]) => `[${s.join(',')}]`;

/** A recognized GroupNorm: what the new node reads and writes, and the nodes it replaces. */
interface GroupNormMatch {
  readonly x: Value;
  readonly groups: number;
  readonly epsilon: number;
  readonly scale: Float64Array;
  readonly bias: Float64Array;
  /** The last value of the pattern: the GroupNorm's output (graph outputs stay the same Value). */
  readonly out: Value;
  readonly replaced: readonly Node[];
  readonly name: string;
}

/** A normalization over the last axis of r = Reshape(x, [N, G, L]) (the core of both decomposed forms). */
interface GroupedCore {
  readonly x: Value;
  readonly groups: number;
  readonly epsilon: number;
  /** The normalized [N, G, L] value. */
  readonly normalized: Value;
  readonly nodes: readonly Node[];
}

/** Left alone, and why. */
type Miss = { readonly why: string };
const miss = (why: string): Miss => ({ why });
const isMiss = (m: object): m is Miss => 'why' in m;

/** Per-channel values of a constant that broadcasts against [N, C, …] along the channel axis only. */
function perChannel(t: Tensor, x: readonly number[]): Float64Array | null {
  const c = x[1]!;
  if (t.shape.length > x.length) return null; // it would add axes to the result
  for (let j = 0; j < t.shape.length; j++) {
    const axis = x.length - t.shape.length + j;
    if (t.shape[j] !== 1 && !(axis === 1 && t.shape[j] === c)) return null;
  }
  return Float64Array.from({ length: c }, (_, ch) => t.data[t.size === 1 ? 0 : ch]!);
}

/** Whether r = Reshape(x) is x with its channels split into groups: [N, G, (C/G)·spatial]. */
function splitsChannelsIntoGroups(x: readonly number[], r: readonly number[]): boolean {
  return x.length >= 2 && r.length === 3 && r[0] === x[0] && r[1]! >= 1 && x[1]! % r[1]! === 0 && r[1]! * r[2]! * x[0]! === numel(x);
}

/** ReduceMean over the last axis of a rank-3 value, keeping dims. */
function isMeanOverLastAxis(n: Node | null | undefined): n is Node {
  if (!isOnnxOp(n, 'ReduceMean') || !reduceKeepDims(n)) return false;
  const axes = writtenReduceAxes(n);
  return axes !== null && axes.length === 1 && axes[0] === 2 && n.input(0).shape.length === 3;
}

/**
 * torch's form: InstanceNormalization(Reshape(x, [N, G, -1]), ones(G), zeros(G), ε).
 * Not reached when the InstanceNormalization's input is not a Reshape (the standalone form).
 */
function instanceNormCore(inorm: Node, reshape: Node, uses: Uses): GroupedCore | Miss {
  const x = reshape.input(0);
  const r = inorm.input(0);
  if (!splitsChannelsIntoGroups(x.shape, r.shape)) {
    return miss(`the reshape of ${shapeText(x.shape)} to ${shapeText(r.shape)} does not split the channels into [N, G, -1] groups`);
  }
  const scale = inorm.input(1).constant;
  const bias = inorm.input(2).constant;
  if (!scale || !scale.data.every((v) => v === 1))
    return miss('its scale is not all ones (a GroupNorm decomposition normalizes with a unit InstanceNormalization)');
  if (!bias || !bias.data.every((v) => v === 0))
    return miss('its bias is not all zeros (a GroupNorm decomposition normalizes with a unit InstanceNormalization)');
  if (uses.soleReader(r) !== inorm) return miss('the grouped reshape is also read elsewhere');
  return { x, groups: r.shape[1]!, epsilon: instanceNormalizationAttrs(inorm).epsilon, normalized: inorm.outputs[0]!, nodes: [reshape, inorm] };
}

/**
 * The primitive form on r = Reshape(x, [N, G, -1]), starting at mean = ReduceMean(r):
 * d = Sub(r, mean); var = ReduceMean(Pow(d, 2) | Mul(d, d)); Div(d, Sqrt(Add(var, ε))).
 * Null when `mean` does not start it (a ReduceMean of something else).
 */
function primitiveCore(mean: Node, uses: Uses): GroupedCore | Miss | null {
  const r = mean.input(0);
  const reshape = r.producer;
  const m = mean.outputs[0]!;
  const sub = uses.of(m).find((n) => isOnnxOp(n, 'Sub') && n.inputs[0] === r && n.inputs[1] === m);
  if (!isOnnxOp(reshape, 'Reshape') || r.shape.length !== 3 || !sub) return null;
  if (!isMeanOverLastAxis(mean)) return miss(`${describeNode(mean)} does not average over the last axis of the groups with keepdims`);
  const x = reshape.input(0);
  if (!splitsChannelsIntoGroups(x.shape, r.shape)) {
    return miss(`the reshape of ${shapeText(x.shape)} to ${shapeText(r.shape)} does not split the channels into [N, G, -1] groups`);
  }
  const d = sub.outputs[0]!;
  const square = uses
    .of(d)
    .find(
      (n) => (isOnnxOp(n, 'Pow') && n.inputs[0] === d && constantScalar(n.inputs[1]) === 2) || (isOnnxOp(n, 'Mul') && n.inputs[0] === d && n.inputs[1] === d),
    );
  const div = uses.of(d).find((n) => isOnnxOp(n, 'Div') && n.inputs[0] === d);
  if (!square || !div) return miss('the deviation r − mean is not both squared (Pow 2 or d·d) and divided by the standard deviation');
  const variance = uses.of(square.outputs[0]!).find(isMeanOverLastAxis);
  if (!variance) return miss('the squared deviation is not averaged over the group (ReduceMean over the last axis, keepdims)');
  const addEps = uses.of(variance.outputs[0]!).find((n) => isOnnxOp(n, 'Add') && constantScalar(otherInput(n, variance.outputs[0]!)) !== null);
  if (!addEps) return miss('the variance is not followed by Add(var, ε) with a constant ε');
  const epsilon = constantScalar(otherInput(addEps, variance.outputs[0]!))!;
  const sqrt = uses.of(addEps.outputs[0]!).find((n) => isOnnxOp(n, 'Sqrt'));
  if (!sqrt || div.inputs[1] !== sqrt.outputs[0]) return miss('the deviation is not divided by Sqrt(var + ε)');
  // Every value inside the pattern is read only by the pattern.
  const interior: [Value, Node[]][] = [
    [r, [mean, sub]],
    [m, [sub]],
    [d, [square, div]],
    [square.outputs[0]!, [variance]],
    [variance.outputs[0]!, [addEps]],
    [addEps.outputs[0]!, [sqrt]],
    [sqrt.outputs[0]!, [div]],
  ];
  for (const [v, readers] of interior)
    if (!uses.onlyReadBy(v, readers)) return miss(`an intermediate value (${JSON.stringify(v.name)}) is also read elsewhere`);
  return { x, groups: r.shape[1]!, epsilon, normalized: div.outputs[0]!, nodes: [reshape, mean, sub, square, variance, addEps, sqrt, div] };
}

/**
 * After a grouped core: Reshape back to x's shape → Mul γ → Add β, the Mul and Add optional
 * (a per-channel constant operand each). A Mul or Add by a constant that is not per channel is
 * a near-match left alone.
 */
function withTail(core: GroupedCore, name: string, uses: Uses): GroupNormMatch | Miss {
  const { x } = core;
  const c = x.shape[1]!;
  const back = uses.soleReader(core.normalized);
  if (!isOnnxOp(back, 'Reshape') || back.inputs[0] !== core.normalized) return miss('the normalized groups are not (only) reshaped back');
  if (!sameShape(back.outputs[0]!.shape, x.shape))
    return miss(`the reshape back gives ${shapeText(back.outputs[0]!.shape)}, not the input's ${shapeText(x.shape)}`);
  const replaced = [...core.nodes, back];
  let out = back.outputs[0]!;
  // Without the Mul or the Add: unit scale, zero bias.
  let scale: Float64Array = new Float64Array(c).fill(1);
  let bias: Float64Array = new Float64Array(c);
  for (const [op, role] of [
    ['Mul', 'γ'],
    ['Add', 'β'],
  ] as const) {
    const next = uses.soleReader(out);
    const operand = next && isOnnxOp(next, op) ? otherInput(next, out) : null;
    if (!next || !operand?.constant) continue;
    const values = perChannel(operand.constant, x.shape);
    if (!values)
      return miss(`${role} of ${describeNode(next)} has shape ${shapeText(operand.constant.shape)}, not one value per channel of ${shapeText(x.shape)}`);
    if (op === 'Mul') scale = values;
    else bias = values;
    out = next.outputs[0]!;
    replaced.push(next);
  }
  return { x, groups: core.groups, epsilon: core.epsilon, scale, bias, out, replaced, name };
}

/** The new node, written where the pattern's last value was (same Value: output names stay). */
function replaceWithGroupNorm(graph: Graph, m: GroupNormMatch): void {
  const dtype = m.x.dtype;
  const scale = graph.newConstant(`${m.name}_scale`, Tensor.from(dtype, [m.scale.length], m.scale));
  const bias = graph.newConstant(`${m.name}_bias`, Tensor.from(dtype, [m.bias.length], m.bias));
  removeNodes(graph, m.replaced);
  graph.appendNode(graph.newNode('GroupNorm', YHC_DOMAIN, m.name, groupNormAttrs(m.groups, m.epsilon), [m.x, scale, bias], m.replaced), [m.out]);
}

function groupNormAttrs(groups: number, epsilon: number): Attrs {
  return new Map([
    ['num_groups', { type: 'int', value: groups }],
    ['epsilon', { type: 'float', value: epsilon }],
    ['activation', { type: 'string', value: 'none' }],
  ]);
}

/** GroupNormalization → ai.yhc.GroupNorm in place; opset 18's per-group scale/bias expanded to per channel. */
function convertGroupNormalization(graph: Graph, node: Node, opset: number): Miss | null {
  const x = node.input(0);
  const { numGroups: groups, epsilon } = groupNormalizationAttrs(node);
  const c = x.shape[1]!;
  let [scale, bias] = [node.input(1), node.input(2)];
  if (!perChannelScale(opset) && groups !== c) {
    if (!scale.constant || !bias.constant)
      return miss(`its opset ${opset} scale and bias are per group and not constant, so they cannot be expanded per channel`);
    const perGroup = c / groups;
    const expand = (t: Tensor, what: string) =>
      graph.newConstant(
        `${node.name}_${what}`,
        Tensor.from(
          t.dtype,
          [c],
          Array.from({ length: c }, (_, ch) => t.data[Math.floor(ch / perGroup)]!),
        ),
      );
    [scale, bias] = [expand(scale.constant, 'scale'), expand(bias.constant, 'bias')];
  }
  node.domain = YHC_DOMAIN;
  node.opType = 'GroupNorm';
  node.attrs = groupNormAttrs(groups, epsilon);
  node.inputs = [x, scale, bias];
  return null;
}

/** InstanceNormalization on x's own channels is GroupNorm with one group per channel. */
function convertInstanceNormalization(node: Node): void {
  const x = node.input(0);
  node.domain = YHC_DOMAIN;
  node.opType = 'GroupNorm';
  node.attrs = groupNormAttrs(x.shape[1]!, instanceNormalizationAttrs(node).epsilon);
  node.inputs = [x, node.input(1), node.input(2)];
}

/** A decomposed GroupNorm at `node` (an InstanceNormalization on a Reshape, or a ReduceMean): its match, a near-miss, or null. */
function matchDecomposed(node: Node, uses: Uses): GroupNormMatch | Miss | null {
  const core = node.opType === 'InstanceNormalization' ? instanceNormCore(node, node.input(0).producer!, uses) : primitiveCore(node, uses);
  if (!core || isMiss(core)) return core;
  return withTail(core, node.name, uses);
}

function fuseGroupNorms(graph: Graph, log: PassLog): void {
  const opset = graph.opset(ONNX_DOMAIN);
  let uses = new Uses(graph);
  const gone = new Set<Node>();
  for (const node of [...graph.nodes]) {
    if (gone.has(node) || node.domain !== ONNX_DOMAIN) continue;
    if (node.opType === 'GroupNormalization') {
      const m = convertGroupNormalization(graph, node, opset);
      if (m) log.note(`${describeNode(node)} left alone: ${m.why}`);
      else log.count(`GroupNormalization-${perChannelScale(opset) ? 21 : 18} → ai.yhc.GroupNorm`);
      continue;
    }
    const instanceNorm = node.opType === 'InstanceNormalization';
    const wrapped = instanceNorm && isOnnxOp(node.input(0).producer, 'Reshape');
    if (instanceNorm && !wrapped) {
      convertInstanceNormalization(node);
      log.count('InstanceNormalization → ai.yhc.GroupNorm (num_groups = C)');
      continue;
    }
    if (!wrapped && node.opType !== 'ReduceMean') continue;
    const found = matchDecomposed(node, uses);
    if (!found) continue;
    if (isMiss(found)) {
      log.note(`GroupNorm candidate at ${describeNode(node)} left alone: ${found.why}`);
      continue;
    }
    replaceWithGroupNorm(graph, found);
    for (const n of found.replaced) gone.add(n);
    uses = new Uses(graph);
    log.count(wrapped ? "torch's GroupNorm decomposition → ai.yhc.GroupNorm" : 'primitive GroupNorm (mean, variance, Div) → ai.yhc.GroupNorm');
  }
}

export const fuseGroupnorm: Pass = {
  name: 'fuse-groupnorm',
  rule:
    'Reshape(x,[N,G,-1]) → InstanceNorm(1,0,ε) | (r−mean)/√(var+ε) → Reshape(x.shape) [· γ[C]] [+ β[C]] => GroupNorm(x, γ, β){G, ε}; ' +
    'GroupNormalization(x, s, b) => GroupNorm(x, s per channel, b per channel); InstanceNormalization(x, s, b) => GroupNorm(x, s, b){C}',
  run(graph, log) {
    fuseGroupNorms(graph, log);
    graph.toposort();
  },
};
