import { YHC_DOMAIN, describeNode, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Uses, isOnnxOp, removeNodes, sameShape } from '../src/ir/rewrite.js';
import { convGroups } from '../src/ops/conv.js';
import { windowGeometry } from '../src/ops/util/window.js';
import { activationOf } from '../src/ops/yhc/activation.js';
import { Tensor } from '../src/tensor.js';
import type { Pass, PassLog } from './pass.js';

/**
 * Convolutions are linear, so parallel branches on the same input that are summed are one
 * convolution (RepVGG's re-parameterization):
 *   conv(x, W1, b1) + conv(x, W2, b2) + affine(x, s, t) + x
 *     => conv(x, pad(W1) + pad(W2) + diag(s) + diag(1), b1 + b2 + t)
 * when the convs share stride, dilation and groups and pad symmetrically around the kernel
 * centre: smaller kernels are zero-padded into the largest, and an identity (or per-channel
 * affine, a BatchNorm on the identity branch) is a unit tap at the centre of each channel's own
 * input within its group. Covers RepConv (3x3+BN ∥ 1x1+BN ∥ identity BN) and RepVGGDW
 * (depthwise 7x7+BN ∥ 3x3+BN).
 */

type Branch =
  { kind: 'conv'; node: Node; weights: Tensor; bias: Tensor | null } | { kind: 'affine'; node: Node; scale: Tensor; shift: Tensor } | { kind: 'identity' };

const isAdd = (n: Node | null | undefined): n is Node => isOnnxOp(n, 'Add');
const noActivation = (n: Node) => activationOf(n) === 'none';

/** The leaves of the Add tree rooted at `root` (inner Adds read only by their parent Add). */
function addTreeLeaves(root: Node, uses: Uses, inner: Node[]): Value[] {
  const leaves: Value[] = [];
  for (const v of root.inputs) {
    if (!v) continue;
    const p = v.producer;
    if (isAdd(p) && uses.soleReader(v) === root && sameShapeAs(v, root.outputs[0]!)) {
      inner.push(p);
      leaves.push(...addTreeLeaves(p, uses, inner));
    } else {
      leaves.push(v);
    }
  }
  return leaves;
}

const sameShapeAs = (a: Value, b: Value) => sameShape(a.shape, b.shape);

/** What a summed value is, as a branch on input `x` (or why it is not one). */
function branchOf(v: Value, x: Value, reader: Node, uses: Uses): Branch | string {
  if (v === x) return { kind: 'identity' };
  const p = v.producer;
  if (!p || p.domain !== YHC_DOMAIN || p.input(0) !== x) return 'a summand is not a conv, affine or identity of the common input';
  if (uses.soleReader(v) !== reader) return `the output of ${describeNode(p)} is also read elsewhere`;
  if (!noActivation(p)) return `${describeNode(p)} applies an activation`;
  if (p.opType === 'Conv') {
    const weights = p.input(1).constant;
    const bias = p.inputs[2] ? p.inputs[2].constant : null;
    if (!weights || (p.inputs[2] && !bias)) return `${describeNode(p)} has non-constant weights`;
    return { kind: 'conv', node: p, weights, bias };
  }
  if (p.opType === 'Affine') {
    const [scale, shift] = [p.input(1).constant, p.input(2).constant];
    if (!scale || !shift) return `${describeNode(p)} has non-constant parameters`;
    return { kind: 'affine', node: p, scale, shift };
  }
  return `${describeNode(p)} is not a conv or affine`;
}

interface Geometry {
  strides: readonly number[];
  dilations: readonly number[];
  group: number;
}

/** Stride, dilation, group — and padding centred on the kernel, which zero-padding preserves. */
function convGeometry(conv: Node): Geometry | string {
  const x = conv.input(0).shape;
  const kernel = conv.input(1).shape.slice(2);
  const g = windowGeometry(conv, x.slice(2), kernel);
  const centred = kernel.every((k, d) => k % 2 === 1 && g.padsBegin[d] === g.padsEnd[d] && g.padsBegin[d] === (g.dilations[d]! * (k - 1)) / 2);
  if (!centred) return `${describeNode(conv)} does not pad symmetrically around its kernel centre`;
  return { strides: g.strides, dilations: g.dilations, group: convGroups(conv) };
}

const sameGeometry = (a: Geometry, b: Geometry) => a.group === b.group && a.strides.join() === b.strides.join() && a.dilations.join() === b.dilations.join();

/** Sum the branches into one kernel of the largest size; float64 sums, rounded once. */
function fuse(branches: readonly Branch[], geometry: Geometry, channels: number): { weights: Tensor; bias: Tensor } {
  const convs = branches.filter((b): b is Extract<Branch, { kind: 'conv' }> => b.kind === 'conv');
  const [m, cPerGroup] = [convs[0]!.weights.shape[0]!, convs[0]!.weights.shape[1]!];
  const kh = Math.max(...convs.map((c) => c.weights.shape[2]!));
  const kw = Math.max(...convs.map((c) => c.weights.shape[3]!));
  const w = new Float64Array(m * cPerGroup * kh * kw);
  const b = new Float64Array(m);
  const at = (oc: number, ic: number, y: number, x: number) => ((oc * cPerGroup + ic) * kh + y) * kw + x;
  for (const branch of branches) {
    if (branch.kind === 'conv') {
      const [, , h, wd] = branch.weights.shape as [number, number, number, number];
      const [oy, ox] = [(kh - h) / 2, (kw - wd) / 2];
      let i = 0;
      for (let oc = 0; oc < m; oc++) {
        for (let ic = 0; ic < cPerGroup; ic++) {
          for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) w[at(oc, ic, oy + y, ox + x)]! += branch.weights.data[i++]!;
        }
        if (branch.bias) b[oc]! += branch.bias.data[oc]!;
      }
    } else {
      // Output channel oc reads input channel oc: local index oc mod (channels per group).
      const inGroup = channels / geometry.group;
      for (let oc = 0; oc < m; oc++) {
        const centre = at(oc, oc % inGroup, (kh - 1) / 2, (kw - 1) / 2);
        w[centre]! += branch.kind === 'affine' ? branch.scale.data[oc]! : 1;
        if (branch.kind === 'affine') b[oc]! += branch.shift.data[oc]!;
      }
    }
  }
  return { weights: Tensor.from('float32', [m, cPerGroup, kh, kw], w), bias: Tensor.from('float32', [m], b) };
}

function foldParallelBranches(graph: Graph, log: PassLog): void {
  let uses = new Uses(graph);
  for (const root of [...graph.nodes]) {
    if (!isAdd(root) || !graph.nodes.includes(root)) continue;
    const out = root.outputs[0]!;
    // Only roots: an Add read solely by another Add is part of that one's tree.
    if (isAdd(uses.soleReader(out)) && sameShapeAs(out, uses.soleReader(out)!.outputs[0]!)) continue;
    const inner: Node[] = [];
    const leaves = addTreeLeaves(root, uses, inner);
    const convLeaf = leaves.find((v) => v.producer?.domain === YHC_DOMAIN && v.producer.opType === 'Conv');
    if (!convLeaf || leaves.length < 2 || !leaves.every((v) => sameShapeAs(v, out))) continue;
    if (out.dtype !== 'float32' || out.shape.length !== 4) {
      log.note(`sum at ${describeNode(root)} not folded: only float32 2-D convolutions are folded`);
      continue;
    }
    const x = convLeaf.producer!.input(0);
    const readerOf = (v: Value) => [root, ...inner].find((a) => a.inputs.includes(v))!;
    const branches = leaves.map((v) => branchOf(v, x, readerOf(v), uses));
    const problem = branches.find((b): b is string => typeof b === 'string');
    const where = `sum at ${describeNode(root)}`;
    if (problem) {
      log.note(`${where} not folded: ${problem}`);
      continue;
    }
    const convs = (branches as Branch[]).filter((b): b is Extract<Branch, { kind: 'conv' }> => b.kind === 'conv');
    const geometries = convs.map((c) => convGeometry(c.node));
    const bad = geometries.find((g): g is string => typeof g === 'string');
    if (bad) {
      log.note(`${where} not folded: ${bad}`);
      continue;
    }
    const geometry = geometries[0] as Geometry;
    if (!(geometries as Geometry[]).every((g) => sameGeometry(g, geometry))) {
      log.note(`${where} not folded: its convs differ in stride, dilation or groups`);
      continue;
    }
    const hasIdentity = branches.some((b) => typeof b !== 'string' && b.kind !== 'conv');
    if (hasIdentity && (geometry.strides.some((s) => s !== 1) || x.shape[1] !== out.shape[1])) {
      log.note(`${where} not folded: an identity branch needs stride 1 and as many output as input channels`);
      continue;
    }
    const { weights, bias } = fuse(branches as Branch[], geometry, x.shape[1]!);
    const [kh, kw] = [weights.shape[2]!, weights.shape[3]!];
    const [dh, dw] = geometry.dilations as [number, number];
    const [ph, pw] = [(dh * (kh - 1)) / 2, (dw * (kw - 1)) / 2];
    const replaced = [root, ...inner, ...(branches as Branch[]).flatMap((b) => (b.kind === 'identity' ? [] : [b.node]))];
    const conv = graph.newNode(
      'Conv',
      YHC_DOMAIN,
      convs[0]!.node.name,
      new Map([
        ['strides', { type: 'ints', value: [...geometry.strides] }],
        ['dilations', { type: 'ints', value: [...geometry.dilations] }],
        ['group', { type: 'int', value: geometry.group }],
        ['kernel_shape', { type: 'ints', value: [kh, kw] }],
        ['pads', { type: 'ints', value: [ph, pw, ph, pw] }],
        ['activation', { type: 'string', value: 'none' }],
      ]),
      [x, graph.newConstant(`${root.name}_w_rep`, weights), graph.newConstant(`${root.name}_b_rep`, bias)],
      replaced,
    );
    graph.appendNode(conv, [out]);
    removeNodes(graph, replaced);
    log.count(`${branches.length} parallel branches folded into one conv`);
    uses = new Uses(graph);
  }
}

export const foldRepconv: Pass = {
  name: 'fold-repconv',
  rule: 'conv(x, W1, b1) + conv(x, W2, b2) + affine(x, s, t) + x => conv(x, pad(W1) + pad(W2) + diag(s + 1), b1 + b2 + t)',
  run(graph, log) {
    foldParallelBranches(graph, log);
    graph.toposort();
  },
};
