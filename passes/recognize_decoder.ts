import { compareDense, compareDetections } from '../src/golden/compare.js';
import { Graph, ONNX_DOMAIN, YHC_DOMAIN, describeNode, type Attr, type Attrs, type Node, type Value } from '../src/ir/graph.js';
import { Uses, removeNodes, isOnnxOp, isYhcOp } from '../src/ir/rewrite.js';
import { runGraph } from '../src/interp/interpreter.js';
import { movesDataOnly } from '../src/ops/index.js';
import { softmaxLayout } from '../src/ops/softmax.js';
import { YoloDecode, yoloDecodeLayout, yoloDecodeOutput, type YoloDecodeBoxes } from '../src/ops/yhc/yolo_decode.js';
import { isYhcError, q } from '../src/errors.js';
import type { Tensor } from '../src/tensor.js';
import type { Pass, PassLog } from './pass.js';
import { seededGraphInputs } from './verify.js';

/**
 * A YOLO head's decoder as torch exports it becomes one ai.yhc.YoloDecode:
 *
 *   DFL       Reshape·Transpose·Softmax(bins)·Conv(arange)        → distances per side
 *             (reg_max 1, YOLO26: none, the box maps are the distances)
 *   dist2bbox Slice·(anchors − lt, anchors + rb)·Concat·Mul(stride) → xyxy boxes
 *             or ((x1y1 + x2y2) / 2, x2y2 − x1y1)                  → xywh boxes (YOLOv8 / YOLO11)
 *   scores    Sigmoid(class logits)
 *   top-k     Transpose·Split·ReduceMax·TopK·GatherElements·Flatten·TopK·Mod·Div·Gather·Concat
 *             (YOLOv10; YOLO26 gathers the winners' anchors from the first TopK's indices)
 *   => YoloDecode(box_0, cls_0, box_1, cls_1, …)
 *
 * in both layouts the exporters write (box and class maps concatenated per level and split
 * again, or kept separate), and without the top-k for raw-output heads (output 'preds').
 *
 * Recognition is structural, then numeric:
 *  1. from a DFL Softmax (read by a 1×1 conv with constant [1, bins, 1, 1] weights) and from
 *     the score Sigmoid, walk upstream through data movement to the per-level sources; without
 *     a DFL (reg_max 1), from a score Sigmoid that reaches the output through no conv, and
 *     from the anchor arithmetic (an Add or Sub of a [.., 2, A] constant) to the box maps;
 *  2. the region is every node between those sources and the graph output; none of its values
 *     may be read outside it;
 *  3. the attributes come from the sources' shapes and the region's constants: the anchor
 *     constants must be the grid cell centres (offset 0.5), the per-anchor stride constant
 *     one value per level;
 *  4. the region (interpreted) and YoloDecode's semantics must agree on seeded random sources,
 *     with xyxy boxes or else with xywh boxes, so a look-alike that computes something else
 *     (other box arithmetic, no sigmoid, …) stays as it is.
 */

const CELL_OFFSET = 0.5;
/** Seed of the random sources the region and the op are compared on. */
const CHECK_SEED = 2024;

/** Why a near-match is left alone. */
class LeftAlone extends Error {}
const leave = (why: string): never => {
  throw new LeftAlone(why);
};

/** A DFL Softmax: its only reader is a 1×1 conv with constant [1, bins, 1, 1] weights (the arange). */
function isDflSoftmax(softmax: Node, uses: Uses, opset: number): boolean {
  if (!isOnnxOp(softmax, 'Softmax')) return false;
  const conv = uses.soleReader(softmax.outputs[0]!);
  if (!conv || conv.opType !== 'Conv' || (conv.domain !== ONNX_DOMAIN && conv.domain !== YHC_DOMAIN)) return false;
  const w = conv.inputs[1];
  const bins = binsOf(softmax, opset);
  return !!w?.constant && w.shape.join(',') === `1,${bins},1,1`;
}

/** The lane length the Softmax normalizes over (its axis as the model's opset reads it). */
function binsOf(softmax: Node, opset: number): number {
  return softmaxLayout(softmax, softmax.input(0).shape, opset).len;
}

/** The non-constant values `v` is moved from by data-movement ops alone, in input order. */
function sourcesAbove(v: Value, found: Value[] = []): Value[] {
  if (v.constant) return found;
  const p = v.producer;
  // The walk from the Softmax and the Sigmoid to the sources crosses ops that only move data.
  if (p && movesDataOnly(p)) {
    for (const x of p.inputs) if (x) sourcesAbove(x, found);
  } else if (!found.includes(v)) {
    found.push(v);
  }
  return found;
}

/** Nodes computing `out` from `sources` and constants; `open` lists other values it would need. */
function coneAbove(out: Value, sources: ReadonlySet<Value>): { nodes: Set<Node>; open: Value[] } {
  const nodes = new Set<Node>();
  const open: Value[] = [];
  const seen = new Set<Value>();
  const stack = [out];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v) || sources.has(v) || v.constant) continue;
    seen.add(v);
    if (!v.producer) {
      open.push(v);
      continue;
    }
    nodes.add(v.producer);
    for (const x of v.producer.inputs) if (x) stack.push(x);
  }
  return { nodes, open };
}

/**
 * The graph output the decoder computes: the last one (in node order) that `from` reaches. A
 * raw head's preds read by an appended ai.yhc.YoloNms (`--decode nms`) count as an output.
 */
function decoderOutput(graph: Graph, from: Node, uses: Uses): Value {
  const reached = new Set<Node>([from]);
  const stack = [from];
  while (stack.length > 0) {
    for (const v of stack.pop()!.outputs) {
      // An appended YoloNms is the decoder's reader, not part of it.
      for (const r of uses.of(v)) if (!reached.has(r) && !isYhcOp(r, 'YoloNms')) (reached.add(r), stack.push(r));
    }
  }
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const nmsInputs = graph.nodes.filter((n) => isYhcOp(n, 'YoloNms')).map((n) => n.input(0));
  const outs = [...graph.outputs, ...nmsInputs].filter((v) => v.producer && reached.has(v.producer));
  if (outs.length === 0) leave('it reaches no graph output');
  return outs.reduce((a, b) => (order.get(b.producer!)! > order.get(a.producer!)! ? b : a));
}

interface Region {
  readonly out: Value;
  readonly nodes: Set<Node>;
  /** Per level in anchor order: the box map and the class map. */
  readonly levels: readonly { box: Value; cls: Value }[];
  /** DFL bins; 1: no DFL. */
  readonly regMax: number;
}

/** Steps 1 and 2 from a DFL Softmax: the sources, the region between them and the output, and its closure. */
function dflRegion(graph: Graph, softmax: Node, uses: Uses): Region {
  const out = decoderOutput(graph, softmax, uses);
  const boxSide = sourcesAbove(softmax.input(0));
  let cone = coneAbove(out, new Set(boxSide));
  let scoreSide: Value[] = [];
  if (cone.open.length > 0) {
    // Separate layout: the class maps enter through the score Sigmoid, the one nearest the output.
    const sigmoids = graph.nodes.filter((n) => cone.nodes.has(n) && isOnnxOp(n, 'Sigmoid')).reverse();
    for (const s of sigmoids) {
      const candidate = sourcesAbove(s.input(0));
      const closed = coneAbove(out, new Set([...boxSide, ...candidate]));
      if (closed.open.length === 0) {
        scoreSide = candidate;
        cone = closed;
        break;
      }
    }
    if (cone.open.length > 0) leave(`it also reads ${q(cone.open[0]!.name)}, which reaches it through neither the DFL nor a score Sigmoid`);
  } else {
    scoreSide = boxSide; // concatenated layout: both walks meet the same maps
  }
  if (!graph.nodes.some((n) => cone.nodes.has(n) && isOnnxOp(n, 'Sigmoid'))) leave('it has no score Sigmoid');
  const regMax = binsOf(softmax, graph.opset(softmax.domain));
  requireClosed(out, cone.nodes, uses);
  return { out, nodes: cone.nodes, levels: pairLevels(boxSide, scoreSide, 4 * regMax), regMax };
}

/** Ops a score Sigmoid never crosses on its way to the decoder's output. */
const LAYERS = new Set(['Conv', 'DwPw', 'ConvTranspose', 'MatMul', 'Gemm']);

/** A score Sigmoid's output reaches a graph output (or an appended YoloNms) through no conv. */
function reachesOutputPastNoLayer(graph: Graph, sigmoid: Node, uses: Uses): boolean {
  const targets = new Set([...graph.outputs, ...graph.nodes.filter((n) => isYhcOp(n, 'YoloNms')).map((n) => n.input(0))]);
  const seen = new Set<Node>([sigmoid]);
  const stack = [sigmoid];
  while (stack.length > 0) {
    for (const v of stack.pop()!.outputs) {
      if (targets.has(v)) return true;
      for (const r of uses.of(v)) if (!seen.has(r) && !LAYERS.has(r.opType) && !isYhcOp(r, 'YoloNms')) (seen.add(r), stack.push(r));
    }
  }
  return false;
}

/** dist2bbox's anchor arithmetic: an Add or Sub of a [.., 2, A] constant (the anchor points) and a computed value. */
function isAnchorArithmetic(n: Node): boolean {
  if (!isOnnxOp(n, 'Sub') && !isOnnxOp(n, 'Add')) return false;
  const points = n.inputs.find((v) => v?.constant);
  return !!points && points.shape.length >= 2 && points.shape[points.shape.length - 2] === 2 && n.inputs.some((v) => v && !v.constant);
}

/**
 * Steps 1 and 2 from a score Sigmoid of a decoder without DFL (reg_max 1): the box maps are what
 * the anchor arithmetic's distances are moved from. null: not a decoder (no anchor arithmetic
 * between the Sigmoid and the output, or a DFL, whose Softmax is the entry).
 */
function noDflRegion(graph: Graph, sigmoid: Node, uses: Uses): Region | null {
  if (!reachesOutputPastNoLayer(graph, sigmoid, uses)) return null;
  const out = decoderOutput(graph, sigmoid, uses);
  const scoreSide = sourcesAbove(sigmoid.input(0));
  const wide = coneAbove(out, new Set(scoreSide));
  const arithmetic = [...wide.nodes].filter(isAnchorArithmetic);
  if (arithmetic.length === 0 || [...wide.nodes].some((n) => isOnnxOp(n, 'Softmax'))) return null;
  const boxSide = [...new Set(arithmetic.flatMap((n) => n.inputs.filter((v): v is Value => !!v && !v.constant).flatMap((v) => sourcesAbove(v))))];
  const cone = coneAbove(out, new Set([...boxSide, ...scoreSide]));
  if (cone.open.length > 0) leave(`it also reads ${q(cone.open[0]!.name)}, which reaches it through neither the anchor arithmetic nor the score Sigmoid`);
  requireClosed(out, cone.nodes, uses);
  return { out, nodes: cone.nodes, levels: pairLevels(boxSide, scoreSide, 4), regMax: 1 };
}

/** Step 2's closure: none of the region's values but its output may be read outside it. */
function requireClosed(out: Value, nodes: Set<Node>, uses: Uses): void {
  for (const n of nodes) {
    for (const v of n.outputs) {
      if (v === out) continue;
      if (uses.isGraphOutput(v)) leave(`its intermediate ${q(v.name)} is also a graph output`);
      const outside = uses.of(v).find((r) => !nodes.has(r));
      if (outside) leave(`its intermediate ${q(v.name)} is also read by ${describeNode(outside)}`);
    }
  }
}

/**
 * Box and class maps, paired per level in anchor order. Maps reached only from the DFL are box
 * maps, only from the Sigmoid class maps; maps both walks reach (the concatenated layout) are
 * told apart by their 4·reg_max channels, or, where nc = 4·reg_max too, by the export's order
 * (box before class within each level).
 */
function pairLevels(boxSide: readonly Value[], scoreSide: readonly Value[], boxChannels: number): { box: Value; cls: Value }[] {
  const all = [...new Set([...boxSide, ...scoreSide])];
  for (const v of all) {
    if (v.dtype !== 'float32' || v.shape.length !== 4) leave(`its source ${q(v.name)} is ${v.dtype}[${v.shape.join(',')}], not a float32 [B, C, H, W] map`);
  }
  const shared = all.filter((v) => boxSide.includes(v) && scoreSide.includes(v));
  const ambiguous = shared.length > 0 && shared.every((v) => v.shape[1] === boxChannels);
  const isBox = (v: Value, i: number) => !scoreSide.includes(v) || (boxSide.includes(v) && (ambiguous ? i % 2 === 0 : v.shape[1] === boxChannels));
  const boxes = all.filter((v, i) => isBox(v, i));
  const classes = all.filter((v, i) => !isBox(v, i));
  if (boxes.length !== classes.length) leave(`it reads ${boxes.length} box maps but ${classes.length} class maps`);
  return boxes.map((box, l) => {
    const cls = classes[l]!;
    if (box.shape[0] !== cls.shape[0] || box.shape[2] !== cls.shape[2] || box.shape[3] !== cls.shape[3]) {
      leave(`level ${l}: box map ${q(box.name)} [${box.shape.join(',')}] and class map ${q(cls.name)} [${cls.shape.join(',')}] differ in batch or grid`);
    }
    return { box, cls };
  });
}

/** Constant operands of the region's `op` nodes with `size` elements. */
function constantsOf(region: Region, op: string, size: number): Value[] {
  const found = new Set<Value>();
  for (const n of region.nodes) {
    if (!isOnnxOp(n, op)) continue;
    for (const v of n.inputs) if (v?.constant && v.constant.size === size) found.add(v);
  }
  return [...found];
}

/** Step 3: the op's attributes, from the maps' shapes and the region's constants. */
function decodeAttributes(region: Region): Attrs {
  const { levels, out, regMax } = region;
  const boxChannels = 4 * regMax;
  const nc = levels[0]!.cls.shape[1]!;
  for (const { box, cls } of levels) {
    if (box.shape[1] !== boxChannels) leave(`box map ${q(box.name)} has ${box.shape[1]} channels, not 4·reg_max = ${boxChannels}`);
    if (cls.shape[1] !== nc) leave(`class map ${q(cls.name)} has ${cls.shape[1]} channels, not nc = ${nc}`);
  }
  const grids = levels.map(({ box }) => ({ h: box.shape[2]!, w: box.shape[3]! }));
  const anchors = grids.reduce((n, g) => n + g.h * g.w, 0);

  // Anchor points: [.., 2, A] constants subtracted from / added to the distances.
  const points = [...constantsOf(region, 'Sub', 2 * anchors), ...constantsOf(region, 'Add', 2 * anchors)];
  if (points.length === 0) leave(`it has no anchor-point constant of 2 × ${anchors} values`);
  for (const p of points) {
    const data = p.constant!.data;
    let a = 0;
    const centres =
      p.shape[p.shape.length - 1] === anchors &&
      grids.every(({ h, w }) => {
        for (let i = 0; i < h * w; i++, a++) {
          if (data[a] !== Math.fround((i % w) + CELL_OFFSET) || data[anchors + a] !== Math.fround(Math.floor(i / w) + CELL_OFFSET)) return false;
        }
        return true;
      });
    if (!centres) leave(`its anchor constant ${q(p.name)} is not the grid cell centres (x + ${CELL_OFFSET}, y + ${CELL_OFFSET})`);
  }

  // Strides: the per-anchor constant the boxes are multiplied by, one value per level.
  const perAnchor = constantsOf(region, 'Mul', anchors);
  if (perAnchor.length !== 1) leave(`it has ${perAnchor.length} per-anchor stride constants, expected one`);
  const stride = perAnchor[0]!.constant!.data;
  let first = 0;
  const strides = grids.map(({ h, w }, l) => {
    const s = stride[first]!;
    for (let a = first; a < first + h * w; a++) if (stride[a] !== s) leave(`its stride constant ${q(perAnchor[0]!.name)} varies within level ${l}`);
    first += h * w;
    if (!(s > 0 && Number.isFinite(s))) leave(`its stride constant ${q(perAnchor[0]!.name)} holds ${s}`);
    return s;
  });

  const [batch, rows, last] = out.shape;
  const attrs: Attrs = new Map<string, Attr>([
    ['nc', { type: 'int', value: nc }],
    ['reg_max', { type: 'int', value: regMax }],
    ['strides', { type: 'floats', value: strides }],
    ['grid_cell_offset', { type: 'float', value: CELL_OFFSET }],
  ]);
  if (out.shape.length === 3 && rows === 4 + nc && last === anchors) {
    attrs.set('output', { type: 'string', value: 'preds' });
  } else if (out.shape.length === 3 && last === 6 && rows! >= 1 && rows! <= anchors) {
    attrs.set('output', { type: 'string', value: 'detections' });
    attrs.set('max_det', { type: 'int', value: rows! });
  } else {
    leave(`its output ${q(out.name)} [${out.shape.join(',')}] is neither detections [B, max_det, 6] nor preds [B, ${4 + nc}, ${anchors}]`);
  }
  if (batch !== levels[0]!.box.shape[0]) leave(`its output batch ${batch} differs from the maps' ${levels[0]!.box.shape[0]}`);
  return attrs;
}

/** The region alone as a graph: the sources are its inputs, `out` its output. */
function regionGraph(graph: Graph, region: Region, sources: readonly Value[]): Graph {
  const sub = new Graph('decoder', new Map(graph.opsetImports));
  if (!sub.opsetImports.has(YHC_DOMAIN)) sub.opsetImports.set(YHC_DOMAIN, 1);
  const map = new Map<Value, Value>();
  sources.forEach((v, i) => map.set(v, sub.newValue(`source${i}`, v.dtype, v.shape)));
  sub.inputs = sources.map((v) => map.get(v)!);
  const valueOf = (v: Value): Value => {
    let m = map.get(v);
    if (!m) map.set(v, (m = v.constant ? v : sub.newValue(`v${v.id}`, v.dtype, v.shape)));
    return m;
  };
  for (const n of graph.nodes) {
    if (!region.nodes.has(n)) continue;
    const copy = sub.newNode(
      n.opType,
      n.domain,
      n.name,
      n.attrs,
      n.inputs.map((v) => (v ? valueOf(v) : null)),
      [n],
    );
    sub.appendNode(copy, n.outputs.map(valueOf));
  }
  sub.outputs = [valueOf(region.out)];
  sub.outputs[0]!.name = 'decoded';
  return sub;
}

/** The region interpreted on seeded random sources: its inputs and its output, or why it could not run. */
function regionReference(graph: Graph, region: Region, sources: readonly Value[]): { inputs: Tensor[]; expected: Tensor } | string {
  const sub = regionGraph(graph, region, sources);
  const feeds = seededGraphInputs(sub, CHECK_SEED);
  try {
    return { inputs: sub.inputs.map((v) => feeds[v.name]!), expected: runGraph(sub, feeds)['decoded']! };
  } catch (e) {
    return `it could not be evaluated: ${(e as Error).message}`;
  }
}

/** Step 4: null when the region and the op agree on the region's random sources, else why not. */
function disagreement(decode: Node, reference: { inputs: Tensor[]; expected: Tensor }): string | null {
  const { expected } = reference;
  let got: Tensor;
  try {
    got = YoloDecode.evaluate(decode, reference.inputs, 1)[0]!;
  } catch (e) {
    return `it could not be evaluated: ${(e as Error).message}`;
  }
  if (yoloDecodeOutput(decode) === 'detections') {
    const c = compareDetections(got.data, expected.data, got.shape);
    return c.ok ? null : `it computes other detections than YoloDecode on random inputs (${c.problem})`;
  }
  // preds: boxes and scores each against their own scale.
  const [b, rows, anchors] = got.shape as [number, number, number];
  const part = (t: Tensor, from: number, to: number) =>
    Array.from({ length: b }, (_, i) => Array.from(t.data.subarray((i * rows + from) * anchors, (i * rows + to) * anchors))).flat();
  for (const [what, from, to] of [
    ['boxes', 0, 4],
    ['scores', 4, rows],
  ] as const) {
    const c = compareDense(part(got, from, to), part(expected, from, to));
    if (!c.ok) return `its ${what} differ from YoloDecode's on random inputs (max |diff| ${c.maxAbs.toExponential(2)})`;
  }
  return null;
}

/** Box formats tried in order; xyxy is the op's default and is not written. */
const BOX_FORMATS: readonly YoloDecodeBoxes[] = ['xyxy', 'xywh'];

function recognize(graph: Graph, region: Region): Node {
  const attrs = decodeAttributes(region);
  const producer = region.out.producer!;
  const sources = region.levels.flatMap(({ box, cls }) => [box, cls]);
  const decode = graph.newNode('YoloDecode', YHC_DOMAIN, producer.name, attrs, sources, [...region.nodes]);
  decode.outputs = [region.out]; // typed against the output it will take over
  let shape: readonly number[] = [];
  try {
    shape = YoloDecode.infer(decode, 1)[0]!.shape;
  } catch (e) {
    if (!isYhcError(e)) throw e;
    leave(`YoloDecode rejects what was read from it: ${e.message}`);
  }
  if (shape.join(',') !== region.out.shape.join(',')) leave(`YoloDecode would compute [${shape.join(',')}], not [${region.out.shape.join(',')}]`);
  const reference = regionReference(graph, region, sources);
  if (typeof reference === 'string') leave(reference);
  const reasons: string[] = [];
  for (const boxes of BOX_FORMATS) {
    if (boxes !== 'xyxy') attrs.set('boxes', { type: 'string', value: boxes });
    const why = disagreement(decode, reference as Exclude<typeof reference, string>);
    if (!why) {
      // The op produces the old output Value itself: graph output names are the engine's contract.
      removeNodes(graph, region.nodes);
      graph.appendNode(decode, [region.out]);
      return decode;
    }
    reasons.push(`as ${boxes}: ${why}`);
  }
  return leave(reasons.join('; '));
}

/** The report line of a recognized decoder: the family its form belongs to and what was folded. */
function firedLine(decode: Node): string {
  const l = yoloDecodeLayout(decode);
  const family = l.regMax === 1 ? 'YOLO26' : l.boxes === 'xywh' ? 'YOLOv8/YOLO11' : 'YOLOv10';
  const parts = [
    l.regMax === 1 ? 'no DFL' : 'DFL',
    l.boxes === 'xywh' ? 'dist2bbox xywh' : 'dist2bbox',
    'sigmoid',
    ...(l.output === 'detections' ? ['two-stage top-k'] : []),
  ];
  return `${family} decoder (${parts.join(', ')}) → ai.yhc.YoloDecode`;
}

/** Try to fold the region found from `entry`; a near-miss is a note. */
function attempt(graph: Graph, log: PassLog, entry: Node, find: () => Region | null): boolean {
  try {
    const region = find();
    if (!region) return false;
    const decode = recognize(graph, region);
    graph.toposort();
    log.count(firedLine(decode));
    return true;
  } catch (e) {
    if (!(e instanceof LeftAlone)) throw e;
    log.note(`decoder at ${describeNode(entry)} left alone: ${e.message}`);
    return false;
  }
}

function recognizeDecoders(graph: Graph, log: PassLog): void {
  let uses = new Uses(graph);
  // Heads with a DFL, from its Softmax; then heads without (reg_max 1), from their score Sigmoid.
  for (const softmax of [...graph.nodes]) {
    // The op test first: `includes` is a scan of the graph (a 50,000-node chain made this quadratic).
    if (!isOnnxOp(softmax, 'Softmax') || !graph.nodes.includes(softmax) || !isDflSoftmax(softmax, uses, graph.opset(softmax.domain))) continue;
    if (attempt(graph, log, softmax, () => dflRegion(graph, softmax, uses))) uses = new Uses(graph);
  }
  for (const sigmoid of [...graph.nodes]) {
    if (!isOnnxOp(sigmoid, 'Sigmoid') || !graph.nodes.includes(sigmoid)) continue;
    if (attempt(graph, log, sigmoid, () => noDflRegion(graph, sigmoid, uses))) uses = new Uses(graph);
  }
}

export const recognizeDecoder: Pass = {
  name: 'recognize-decoder',
  rule: '[v10postprocess](concat(xyxy|xywh(anchors -/+ dfl?(box)) * strides, sigmoid(cls))) => yolo_decode(box_0, cls_0, box_1, cls_1, ...)',
  run(graph, log) {
    recognizeDecoders(graph, log);
  },
};
