import { attrInt, attrInts } from '../src/ir/attributes.js';
import { YHC_DOMAIN, describeNode, type Attr, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Uses, constantScalar, isOnnxOp, isYhcOp, otherInput, removeNodes, sameShape } from '../src/ir/rewrite.js';
import { convGroups } from '../src/ops/conv.js';
import { windowGeometry } from '../src/ops/util/window.js';
import { activationOf } from '../src/ops/yhc/activation.js';
import type { Pass, PassLog } from './pass.js';

/**
 * The attention of YOLOv10's PSA and YOLO11's C2PSA, as torch exports it (TorchScript and dynamo
 * alike), over the qkv conv's output X [N, C, H, W] with T = H·W tokens:
 *
 *   q, k, v = Split(Reshape(X, [N, heads, C/heads, T]), [kd, kd, hd], axis 2)
 *   a   = Softmax(Mul(MatMul(Transpose(q), k), scale), axis −1)      (or Div by 1/scale, or no scale)
 *   out = Reshape(MatMul(v, Transpose(a)), [N, heads·hd, H, W])
 *       [+ pe(Reshape(v, [N, heads·hd, H, W]))]                       (depthwise k×k conv, 'same' padding)
 *
 * becomes ONE ai.yhc.Attention(X, [pe weight, pe bias]) {num_heads, key_dim, scale}. The
 * positional conv joins when it is a depthwise, odd, stride-1, centred-padding conv without
 * activation whose result is only added to the attention's; otherwise it stays a conv (noted)
 * and the Reshape/Split it reads stay too. A partial match is left alone with the reason.
 */

interface AttentionMatch {
  readonly x: Value;
  readonly heads: number;
  readonly keyDim: number;
  readonly scale: number;
  readonly pe: Node | null;
  readonly out: Value;
  readonly replaced: readonly Node[];
  readonly name: string;
  /** Why a positional conv next to the match stays a conv (null: it joined, or there is none). */
  readonly peNote: string | null;
}

const producer = (v: Value | null | undefined): Node | null => v?.producer ?? null;

/** Transpose swapping the last two axes (perm [0, …, r−1, r−2]). */
function swapsLastTwo(n: Node | null): n is Node {
  if (!isOnnxOp(n, 'Transpose')) return false;
  const rank = n.input(0).shape.length;
  const perm = attrInts(n, 'perm', []);
  return rank >= 2 && perm.length === rank && perm.every((p, i) => p === (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2));
}

/** The scores MatMul under the softmax input and the scale on it; null when there is no MatMul there. */
function scoresOf(s: Value): { matmul: Node; scaleNode: Node | null; scale: number } | string | null {
  const p = producer(s);
  if (!p) return null;
  const is = (op: string): boolean => isOnnxOp(p, op);
  if (is('MatMul')) return { matmul: p, scaleNode: null, scale: 1 };
  const isDiv = is('Div');
  if (!isDiv && !is('Mul')) return null;
  const matmulInput = p.inputs.find((v) => isOnnxOp(producer(v), 'MatMul'));
  if (!matmulInput) return null;
  const c = constantScalar(otherInput(p, matmulInput));
  if (c === null || (isDiv && p.inputs[0] !== matmulInput)) return `the scores are scaled by ${describeNode(p)}, not by a constant scalar`;
  return { matmul: producer(matmulInput)!, scaleNode: p, scale: isDiv ? 1 / c : c };
}

/** Match from a Softmax. Null when it does not end q·kᵀ scores; a reason when the rest differs. */
function matchAttention(sm: Node, uses: Uses): AttentionMatch | string | null {
  const found = scoresOf(sm.input(0));
  if (found === null || typeof found === 'string') return found;
  const { matmul: mm1, scaleNode, scale } = found;
  const scores = sm.input(0);
  const rank = scores.shape.length;
  if (rank !== 4) return `the scores have shape [${scores.shape.join(',')}], not [N, heads, tokens, tokens]`;
  const axis = attrInt(sm, 'axis', -1); // opset 13+ (what yhc imports): one axis, the last by default
  if (axis !== -1 && axis !== rank - 1) return `${describeNode(sm)} is not over the last axis (axis ${axis})`;

  const tq = producer(mm1.inputs[0]);
  if (!swapsLastTwo(tq)) return `the scores are not MatMul(Transpose(q), k): ${describeNode(mm1)} does not read a transposed q`;
  const q = tq.input(0);
  const k = mm1.input(1);
  const sp = producer(q);
  if (!isOnnxOp(sp, 'Split') || sp.outputs.length !== 3 || sp.outputs[0] !== q || sp.outputs[1] !== k) {
    return 'q and k are not the first two outputs of one three-way Split';
  }
  const v = sp.outputs[2]!;
  const rs = producer(sp.input(0));
  const qkv = sp.input(0);
  const [n, heads, perHead, tokens] = qkv.shape as [number, number, number, number];
  const splitAxis = attrInt(sp, 'axis', 0);
  if (qkv.shape.length !== 4 || (splitAxis !== 2 && splitAxis !== -2)) return `${describeNode(sp)} does not split the channels of [N, heads, channels, tokens]`;
  const keyDim = q.shape[2]!;
  const headDim = v.shape[2]!;
  if (k.shape[2] !== keyDim) return `q has ${keyDim} channels per head and k ${k.shape[2]}`;
  if (!isOnnxOp(rs, 'Reshape')) return `the split tensor is not a Reshape of the qkv conv's output`;
  const x = rs.input(0);
  const [, c, h, w] = x.shape as [number, number, number, number];
  if (x.shape.length !== 4 || x.shape[0] !== n || c !== heads * perHead || h * w !== tokens) {
    return `${describeNode(rs)} does not view [N, C, H, W] as [N, heads, C/heads, H·W] (${JSON.stringify(x.shape)} → ${JSON.stringify(qkv.shape)})`;
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float16') return `the qkv tensor is ${x.dtype}, not float32 or float16`;

  const attn = sm.outputs[0]!;
  const ta = uses.of(attn).find((r) => swapsLastTwo(r));
  const mm2 = ta && uses.of(ta.outputs[0]!).find((r) => isOnnxOp(r, 'MatMul') && r.inputs[1] === ta.outputs[0]);
  if (!ta || !mm2) return `the attention weights are not applied as MatMul(v, Transpose(attention))`;
  if (mm2.inputs[0] !== v) return `${describeNode(mm2)} does not multiply the Split's third output (v)`;
  const rs1 = uses.soleReader(mm2.outputs[0]!);
  const outShape = [n, heads * headDim, h, w];
  if (!isOnnxOp(rs1, 'Reshape') || !sameShape(rs1.outputs[0]!.shape, outShape)) return `the result is not reshaped back to [${outShape.join(', ')}]`;

  const interior: [Value, Node[]][] = [
    [tq.outputs[0]!, [mm1]],
    [mm1.outputs[0]!, [scaleNode ?? sm]],
    ...(scaleNode ? [[scaleNode.outputs[0]!, [sm]] as [Value, Node[]]] : []),
    [attn, [ta]],
    [ta.outputs[0]!, [mm2]],
    [mm2.outputs[0]!, [rs1]],
  ];
  for (const [val, readers] of interior)
    if (!uses.onlyReadBy(val, readers)) return `an intermediate value (${JSON.stringify(val.name)}) is also read elsewhere`;

  const core = [tq, mm1, ...(scaleNode ? [scaleNode] : []), sm, ta, mm2, rs1];
  const pe = positionalConv(v, rs1.outputs[0]!, outShape, uses);
  const joined = typeof pe === 'object' && pe !== null;
  const vReaders = joined ? [mm2, pe.reshape] : [mm2];
  const alsoSplit = uses.onlyReadBy(qkv, [sp]) && uses.onlyReadBy(q, [tq]) && uses.onlyReadBy(k, [mm1]) && uses.onlyReadBy(v, vReaders);
  const replaced = [...(alsoSplit ? [rs, sp] : []), ...core, ...(joined ? [pe.reshape, pe.conv, pe.add] : [])];
  return {
    x,
    heads,
    keyDim,
    scale,
    pe: joined ? pe.conv : null,
    out: joined ? pe.add.outputs[0]! : rs1.outputs[0]!,
    replaced,
    name: sm.name,
    peNote: typeof pe === 'string' ? pe : null,
  };
}

/**
 * The positional conv: v viewed as [N, heads·hd, H, W], a depthwise conv of it, added to the
 * attention's result `y`. Null when v has no such reader; a reason when one differs.
 */
function positionalConv(v: Value, y: Value, outShape: readonly number[], uses: Uses): { reshape: Node; conv: Node; add: Node } | string | null {
  const reshape = uses.of(v).find((r) => isOnnxOp(r, 'Reshape') && sameShape(r.outputs[0]!.shape, outShape));
  const conv = reshape && uses.of(reshape.outputs[0]!).find((r) => isYhcOp(r, 'Conv') && r.inputs[0] === reshape.outputs[0]);
  if (!reshape || !conv) return null;
  const add = uses.soleReader(y);
  const pe = conv.outputs[0]!;
  if (!isOnnxOp(add, 'Add') || otherInput(add, y) !== pe) return null;
  const wt = conv.input(1);
  const [m, , kh, kw] = wt.shape as [number, number, number, number];
  const kind = `the positional ${describeNode(conv)} stays a conv:`;
  if (convGroups(conv) !== outShape[1] || m !== outShape[1] || wt.shape[1] !== 1) return `${kind} it is not depthwise`;
  if (kh !== kw || kh % 2 !== 1) return `${kind} its kernel is ${kh}×${kw}, not square and odd`;
  const g = windowGeometry(conv, outShape.slice(2), [kh, kw]);
  if (g.strides.some((s) => s !== 1) || g.dilations.some((d) => d !== 1)) return `${kind} it is strided or dilated`;
  if ([...g.padsBegin, ...g.padsEnd].some((p) => p !== (kh - 1) / 2)) return `${kind} its padding is not centred`;
  if (activationOf(conv) !== 'none') return `${kind} it applies an activation`;
  const bias = conv.inputs[2] ?? null;
  if (!wt.constant || (bias && !bias.constant)) return `${kind} its weights are not constant`;
  if (!uses.onlyReadBy(reshape.outputs[0]!, [conv]) || !uses.onlyReadBy(pe, [add]) || !uses.onlyReadBy(y, [add])) {
    return `${kind} a value between it and the sum is also read elsewhere`;
  }
  return { reshape, conv, add };
}

function fuseAttentions(graph: Graph, log: PassLog): void {
  let uses = new Uses(graph);
  const gone = new Set<Node>();
  for (const node of [...graph.nodes]) {
    if (!isOnnxOp(node, 'Softmax') || gone.has(node)) continue;
    const found = matchAttention(node, uses);
    if (found === null) continue;
    if (typeof found === 'string') {
      log.note(`attention at ${describeNode(node)} left alone: ${found}`);
      continue;
    }
    removeNodes(graph, found.replaced);
    for (const n of found.replaced) gone.add(n);
    const attrs = new Map<string, Attr>([
      ['num_heads', { type: 'int', value: found.heads }],
      ['key_dim', { type: 'int', value: found.keyDim }],
      ['scale', { type: 'float', value: Math.fround(found.scale) }],
    ]);
    const bias = found.pe?.inputs[2];
    const inputs = found.pe ? [found.x, found.pe.input(1), ...(bias ? [bias] : [])] : [found.x];
    const fused = graph.newNode('Attention', YHC_DOMAIN, found.name, attrs, inputs, found.replaced);
    graph.appendNode(fused, [found.out]);
    uses = new Uses(graph);
    log.count(found.pe ? 'attention + positional conv → ai.yhc.Attention' : 'attention → ai.yhc.Attention');
    if (found.peNote) log.note(found.peNote);
  }
}

export const fuseAttention: Pass = {
  name: 'fuse-attention',
  rule: 'Reshape(MatMul(v, Transpose(Softmax(scale · MatMul(Transpose(q), k))))) [+ dwconv(v)], q, k, v = Split(Reshape(X)) => Attention(X, [pe]){heads, key_dim, scale}',
  run(graph, log) {
    fuseAttentions(graph, log);
    graph.toposort();
  },
};
