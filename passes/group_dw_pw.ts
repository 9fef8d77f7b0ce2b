import { YHC_DOMAIN, describeNode, type Attr, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Uses, removeNodes, isYhcOp } from '../src/ir/rewrite.js';
import { convGroups } from '../src/ops/conv.js';
import { windowGeometry } from '../src/ops/util/window.js';
import { activationOf } from '../src/ops/yhc/activation.js';
import { groupNormAttrs } from '../src/ops/yhc/group_norm.js';
import type { Pass, PassLog } from './pass.js';

/**
 * A depthwise conv feeding a pointwise conv, each with its optional GroupNorm and activation,
 * becomes ONE ai.yhc.DwPw — a kernel fusion: nothing is folded across the nonlinearity, the op
 * computes exactly dw → [GroupNorm] → act → pw → [GroupNorm] → act (see src/ops/yhc/dwpw.ts).
 *
 *   depthwise:  ai.yhc.Conv, group = in channels = out channels, 2-D
 *   pointwise:  ai.yhc.Conv, 1×1, group 1, stride 1, no padding
 *   norm:       an ai.yhc.GroupNorm reading the conv, when the conv itself applies no activation
 *               (the activation is then the GroupNorm's)
 *
 * Every value between the first conv and the last node must have no other reader; a depthwise
 * conv whose output (or norm) is also read elsewhere is left alone, with a note.
 */

function isDepthwise(conv: Node): boolean {
  const [x, w] = [conv.input(0).shape, conv.input(1).shape];
  const group = convGroups(conv);
  return x.length === 4 && w.length === 4 && group === x[1] && group === w[0] && w[1] === 1;
}

/** Why a conv reading the depthwise result is not a pointwise conv; null when it is one. */
function notPointwise(conv: Node): string | null {
  const [x, w] = [conv.input(0).shape, conv.input(1).shape];
  if (w.length !== 4 || w[2] !== 1 || w[3] !== 1) return `${describeNode(conv)} is not 1×1`;
  if (convGroups(conv) !== 1) return `${describeNode(conv)} is grouped`;
  const g = windowGeometry(conv, x.slice(2), [1, 1]);
  if (g.strides.some((s) => s !== 1)) return `${describeNode(conv)} is strided`;
  if ([...g.padsBegin, ...g.padsEnd].some((p) => p !== 0)) return `${describeNode(conv)} pads its input`;
  return null;
}

/** A conv with its epilogue: the conv, the GroupNorm after it (or null), the activation, the stage's result. */
interface Stage {
  readonly conv: Node;
  readonly norm: Node | null;
  readonly activation: string;
  readonly out: Value;
}

/** The conv's GroupNorm, when the conv applies no activation and a GroupNorm is its only reader. */
function stageOf(conv: Node, uses: Uses): Stage {
  const y = conv.outputs[0]!;
  const norm = uses.soleReader(y);
  if (activationOf(conv) === 'none' && isYhcOp(norm, 'GroupNorm') && norm.inputs[0] === y) {
    return { conv, norm, activation: activationOf(norm), out: norm.outputs[0]! };
  }
  return { conv, norm: null, activation: activationOf(conv), out: y };
}

/** The pointwise conv the depthwise stage feeds, or why it does not qualify (null: no DW→PW chain here). */
function pointwiseAfter(dw: Stage, uses: Uses): Node | string | null {
  const y = dw.conv.outputs[0]!;
  const pw = uses.of(dw.out).find(
    (n) =>
      isYhcOp(n, 'Conv') &&
      n.inputs[0] === dw.out &&
      n
        .input(1)
        .shape.slice(2)
        .every((k) => k === 1),
  );
  if (!pw) {
    const norm = uses.of(y).find((n) => isYhcOp(n, 'GroupNorm'));
    if (norm && activationOf(dw.conv) !== 'none') return `${describeNode(dw.conv)} applies its activation before ${describeNode(norm)} (DwPw normalizes first)`;
    if (norm && !dw.norm) return `its output is read by ${describeNode(norm)} and elsewhere`;
    return null;
  }
  const why = notPointwise(pw);
  if (why) return why;
  if (!uses.onlyReadBy(dw.out, [pw])) return `its ${dw.norm ? 'GroupNorm' : 'output'} is also read elsewhere than by ${describeNode(pw)}`;
  return pw;
}

function intsAttr(value: readonly number[]): Attr {
  return { type: 'ints', value: [...value] };
}

/** The DwPw node for dw → pw (not yet placed in the graph). */
function dwpwNode(graph: Graph, dw: Stage, pw: Stage): Node {
  const [x, w] = [dw.conv.input(0), dw.conv.input(1)];
  // The depthwise geometry with auto_pad resolved into explicit pads.
  const g = windowGeometry(dw.conv, x.shape.slice(2), w.shape.slice(2));
  const attrs = new Map<string, Attr>([
    ['kernel_shape', intsAttr(g.kernel)],
    ['strides', intsAttr(g.strides)],
    ['pads', intsAttr([...g.padsBegin, ...g.padsEnd])],
    ['dilations', intsAttr(g.dilations)],
  ]);
  for (const [prefix, s] of [
    ['dw', dw],
    ['pw', pw],
  ] as const) {
    attrs.set(`${prefix}_activation`, { type: 'string', value: s.activation });
    const norm = s.norm ? groupNormAttrs(s.norm) : null;
    attrs.set(`${prefix}_norm_groups`, { type: 'int', value: norm ? norm.groups : 0 });
    if (norm) attrs.set(`${prefix}_norm_epsilon`, { type: 'float', value: norm.epsilon });
  }
  const inputs: (Value | null)[] = [
    x,
    w,
    dw.conv.inputs[2] ?? null,
    dw.norm?.input(1) ?? null,
    dw.norm?.input(2) ?? null,
    pw.conv.input(1),
    pw.conv.inputs[2] ?? null,
    pw.norm?.input(1) ?? null,
    pw.norm?.input(2) ?? null,
  ];
  while (inputs[inputs.length - 1] === null) inputs.pop(); // trailing optional inputs are left off
  const replaced = [dw.conv, dw.norm, pw.conv, pw.norm].filter((n): n is Node => n !== null);
  return graph.newNode('DwPw', YHC_DOMAIN, dw.conv.name, attrs, inputs, replaced);
}

function groupDwPws(graph: Graph, log: PassLog): void {
  let uses = new Uses(graph);
  const gone = new Set<Node>();
  for (const conv of [...graph.nodes]) {
    if (gone.has(conv) || !isYhcOp(conv, 'Conv') || !isDepthwise(conv)) continue;
    const dw = stageOf(conv, uses);
    const found = pointwiseAfter(dw, uses);
    if (found === null) continue;
    if (typeof found === 'string') {
      log.note(`depthwise ${describeNode(conv)} not grouped with a pointwise conv: ${found}`);
      continue;
    }
    const pw = stageOf(found, uses);
    const node = dwpwNode(graph, dw, pw);
    const replaced = [dw.conv, dw.norm, pw.conv, pw.norm].filter((n): n is Node => n !== null);
    removeNodes(graph, replaced);
    graph.appendNode(node, [pw.out]);
    for (const n of replaced) gone.add(n);
    uses = new Uses(graph);
    log.count(`${dw.norm ? 'DW+GroupNorm' : 'DW'} → ${pw.norm ? 'PW+GroupNorm' : 'PW'} → ai.yhc.DwPw`);
  }
}

export const groupDwPw: Pass = {
  name: 'group-dw-pw',
  rule: 'act(norm?(conv1x1(act(norm?(dwconv(x, Wd, bd))), Wp, bp))) => DwPw(x, Wd, bd, norm_d, Wp, bp, norm_p)',
  run(graph, log) {
    groupDwPws(graph, log);
    graph.toposort();
  },
};
