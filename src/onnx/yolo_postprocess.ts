import { readFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { looksLikeDetections } from '../check/compare.js';
import { YhcError, q } from '../errors.js';
import { Tensor } from '../tensor.js';
import { externalDataRoot, type ExternalDataRoot } from './external_data.js';
import { importModel } from './import.js';
import { decodeModel, loadModel } from './load.js';
import { onnx, exactInt64, type OnnxModel } from './proto.js';
import { tensorFromProto } from './tensor_proto.js';
import { DEFAULT_MAX_CANDIDATES, boxCorners, type NmsBoxFormat } from '../ops/yhc/yolo_nms.js';
import { YHC_DOMAIN, type Graph, type Value } from '../ir/graph.js';
import { modelProto, tensorProto, type NodeSpec, type TensorSpec } from './write.js';

/**
 * `--decode yolov10 --max-det N`: a raw-output head (one output preds [B, 4 + nc, A] = xyxy
 * boxes then sigmoid scores) gets the YOLOv10 NMS-free postprocess appended as standard ONNX
 * nodes, the way the exporter writes it into the fixtures:
 *
 *   Transpose → Split(4, nc) → ReduceMax → TopK(N) → Tile·GatherElements (boxes, scores)
 *   → Flatten → TopK(N) → Mod / Div (class, anchor rank) → Tile·GatherElements → Concat
 *   => detections [B, N, 6] = x1, y1, x2, y2, score, class
 *
 * Done once, on the ModelProto, for both sides: compile imports the extended model (and
 * recognize-decoder folds it into YoloDecode), and `yhc check` runs onnxruntime on the same
 * extended model, so the reference stays onnxruntime.
 */

export const DECODE_FORMATS = ['yolov10', 'nms'] as const;
export type DecodeFormat = (typeof DECODE_FORMATS)[number];
export const DEFAULT_MAX_DET = 300;
export const DEFAULT_NMS = { iou: 0.7, conf: 0.25 } as const;
export const DETECTIONS_OUTPUT = 'detections';
export const NUM_DETS_OUTPUT = 'num_dets';

export interface DecodeOptions {
  readonly format: DecodeFormat;
  /** Detections kept per image (default 300); with yolov10 at most the anchor count. */
  readonly maxDet?: number;
  /** nms: IoU above which a box of the same class is suppressed (default 0.7). */
  readonly iou?: number;
  /** nms: scores must be above this to be candidates (default 0.25). */
  readonly conf?: number;
  /** nms: the preds' box rows, corners (xyxy, default) or centre and size (xywh). */
  readonly boxes?: NmsBoxFormat;
}

/** What a raw head outputs, as the importer typed it. */
export interface PredsOutput {
  readonly name: string;
  /** [B, 4 + nc, A] */
  readonly shape: readonly number[];
}

/** Check that `preds` can be decoded with `maxDet` detections; USAGE errors name the model. */
export function checkDecodable(source: string, outputs: readonly (PredsOutput & { dtype: string })[], maxDet: number, format: DecodeFormat = 'yolov10'): void {
  if (outputs.length !== 1) {
    throw new YhcError('USAGE', `--decode needs a model with one output preds [B, 4+nc, A]; ${source} has ${outputs.length} outputs`);
  }
  const out = outputs[0]!;
  const shape = `[${out.shape.join(', ')}]`;
  if (looksLikeDetections(out.shape, out.dtype)) {
    throw new YhcError('USAGE', `${source} already ends in detections (output ${q(out.name)} ${shape}); --decode is for raw-output models`);
  }
  if (out.dtype !== 'float32' || out.shape.length !== 3 || out.shape[1]! < 5) {
    throw new YhcError('USAGE', `--decode ${format} needs the output to be float32 preds [B, 4+nc, A]; ${source}'s output ${q(out.name)} is ${out.dtype}${shape}`);
  }
  const anchors = out.shape[2]!;
  if (format === 'yolov10' && maxDet > anchors) {
    throw new YhcError('USAGE', `--max-det ${maxDet} is larger than the model's ${anchors} anchors (output ${q(out.name)} ${shape})`);
  }
}

/**
 * A copy of `model` whose one output `preds` is replaced by `detections` [B, maxDet, 6],
 * computed by the appended postprocess. New value names are prefixed and kept unique.
 */
export function appendYolov10Postprocess(model: OnnxModel, preds: PredsOutput, maxDet: number): OnnxModel {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = m.graph!;
  const opset = exactInt64(m.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const nc = preds.shape[1]! - 4;

  const taken = new Set<string>([
    ...(g.input ?? []).map((v) => v.name ?? ''),
    ...(g.initializer ?? []).map((t) => t.name ?? ''),
    ...(g.node ?? []).flatMap((n) => n.output ?? []),
  ]);
  if (taken.has(DETECTIONS_OUTPUT)) {
    throw new YhcError('USAGE', `--decode names its output ${q(DETECTIONS_OUTPUT)}, but the model already has a value of that name`);
  }
  taken.add(DETECTIONS_OUTPUT);
  const fresh = (base: string): string => {
    let name = `yhc_decode/${base}`;
    for (let i = 1; taken.has(name); i++) name = `yhc_decode/${base}_${i}`;
    taken.add(name);
    return name;
  };

  const initializers: TensorSpec[] = [];
  const int64s = (base: string, values: readonly number[], shape: readonly number[] = [values.length]): string => {
    const name = fresh(base);
    initializers.push({ name, tensor: new Tensor('int64', shape, Float64Array.from(values)) });
    return name;
  };
  const nodes: NodeSpec[] = [];
  const op = (opType: string, inputs: readonly string[], outputs: readonly string[], attrs: NodeSpec['attrs'] = {}): void => {
    nodes.push({ op: opType, name: fresh(opType), inputs, outputs, attrs });
  };
  const int = (value: number) => ({ type: 'int', value }) as const;
  const ints = (value: readonly number[]) => ({ type: 'ints', value }) as const;

  const lastAxis = int64s('last_axis', [-1]);
  const k = int64s('max_det', [maxDet]);
  const classes = int64s('nc', [nc], []);
  const unsqueeze = (x: string, base: string) => {
    const y = fresh(base);
    op('Unsqueeze', [x, lastAxis], [y]);
    return y;
  };
  /** rows[b, r, :] = data[b, index[b, r], :] over the last axis's `width` entries. */
  const gatherRows = (data: string, index3: string, width: number, base: string) => {
    const tiled = fresh(`${base}_index`);
    op('Tile', [index3, int64s(`${base}_repeats`, [1, 1, width])], [tiled]);
    const rows = fresh(base);
    op('GatherElements', [data, tiled], [rows], { axis: int(1) });
    return rows;
  };

  const [transposed, boxes, scores] = [fresh('transposed'), fresh('boxes'), fresh('scores')];
  op('Transpose', [preds.name], [transposed], { perm: ints([0, 2, 1]) });
  op('Split', [transposed, int64s('split', [4, nc])], [boxes, scores], { axis: int(-1) });
  // Stage 1: the max_det anchors with the best class score.
  const best = fresh('best_score');
  if (opset >= 18) op('ReduceMax', [scores, lastAxis], [best], { keepdims: int(0) });
  else op('ReduceMax', [scores], [best], { axes: ints([-1]), keepdims: int(0) });
  const [rankedScores, ranked] = [fresh('ranked_scores'), fresh('ranked')];
  op('TopK', [best, k], [rankedScores, ranked], { axis: int(-1), largest: int(1), sorted: int(1) });
  const ranked3 = unsqueeze(ranked, 'ranked3');
  const candidateBoxes = gatherRows(boxes, ranked3, 4, 'candidate_boxes');
  const candidateScores = gatherRows(scores, ranked3, nc, 'candidate_scores');
  // Stage 2: the max_det best of their max_det × nc scores; entry i is class i % nc of rank i / nc.
  const flat = fresh('candidates');
  op('Flatten', [candidateScores], [flat], { axis: int(1) });
  const [score, picked] = [fresh('score'), fresh('picked')];
  op('TopK', [flat, k], [score, picked], { axis: int(-1), largest: int(1), sorted: int(1) });
  const [label, rank] = [fresh('class'), fresh('rank')];
  op('Mod', [picked, classes], [label], { fmod: int(0) });
  op('Div', [picked, classes], [rank]);
  const box = gatherRows(candidateBoxes, unsqueeze(rank, 'rank3'), 4, 'box');
  const labelFloat = fresh('class_float');
  op('Cast', [unsqueeze(label, 'class3')], [labelFloat], { to: int(onnx.TensorProto.DataType.FLOAT) });
  op('Concat', [box, unsqueeze(score, 'score3'), labelFloat], [DETECTIONS_OUTPUT], { axis: int(-1) });

  // The writer turns the specs into protos; only their nodes and initializers are kept.
  const written = modelProto({ inputs: [], outputs: [], initializers, nodes }).graph!;
  g.initializer = [...(g.initializer ?? []), ...(written.initializer ?? [])];
  g.node = [...(g.node ?? []), ...(written.node ?? [])];
  // Declared [batch, max_det, 6] with the batch dim as preds declares it (symbolic or not).
  const batchDim = (g.output ?? []).find((v) => v.name === preds.name)?.type?.tensorType?.shape?.dim?.[0];
  const shape = batchDim ? { shape: { dim: [batchDim, { dimValue: maxDet }, { dimValue: 6 }] } } : {};
  g.output = [onnx.ValueInfoProto.create({ name: DETECTIONS_OUTPUT, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, ...shape } } })];
  return m;
}

/** Outputs of a reference run by name. */
export type ReferenceOutputs = Record<string, { readonly dims: readonly number[]; readonly data: ArrayLike<number> | BigInt64Array | BigUint64Array }>;

/** A model file with the postprocess appended: the extended model, imported, and its bytes for onnxruntime. */
export interface DecodedModel {
  readonly model: OnnxModel;
  readonly graph: Graph;
  /** The extended model encoded, external data inlined (onnxruntime reads it from memory). */
  referenceBytes(): Uint8Array;
  /**
   * With --decode nms: onnxruntime's NonMaxSuppression leaves a variable list of selected
   * (batch, class, box) triples; this assembles them into the engine's outputs (detections,
   * num_dets) by the same contract. Absent: the reference's outputs are the engine's.
   */
  assembleReference?(outputs: ReferenceOutputs): ReferenceOutputs;
}

/** Read `path`, check its output can be decoded, append the postprocess and import the result. */
export function loadDecodedModel(path: string, options: { batch?: number; decode: DecodeOptions }): DecodedModel {
  const batch = options.batch !== undefined ? { batch: options.batch } : {};
  const maxDet = options.decode.maxDet ?? DEFAULT_MAX_DET;
  // Import the model as it is first: file checks, and the static type of its output.
  const raw = loadModel(path, batch);
  checkDecodable(q(path), raw.outputs, maxDet, options.decode.format);
  if (options.decode.format === 'nms') return withNms(path, raw, options.decode, maxDet);
  const model = appendYolov10Postprocess(decodeModel(readFileSync(path), q(path)), raw.outputs[0]!, maxDet);
  const root = externalDataRoot(dirname(path));
  const graph = importModel(model, { ...batch, externalRoot: root, name: basename(path, extname(path)) });
  return { model, graph, referenceBytes: () => withInlineData(model, root) };
}

/** The model encoded with every external initializer read (confined to `root`) into raw_data. */
function withInlineData(model: OnnxModel, root: ExternalDataRoot): Uint8Array {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = m.graph!;
  g.initializer = (g.initializer ?? []).map((t) =>
    t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL
      ? onnx.TensorProto.create(tensorProto({ name: t.name ?? '', tensor: tensorFromProto(t, 'initializer', { externalRoot: root }) }))
      : t,
  );
  return onnx.ModelProto.encode(m).finish();
}

/**
 * `--decode nms`: the raw head's graph gets one ai.yhc.YoloNms node (src/ops/yhc/yolo_nms.ts),
 * outputs detections [B, max_det, 6] and num_dets [B]. The reference is onnxruntime's own
 * NonMaxSuppression: the model extended with Transpose → Split → Transpose → NonMaxSuppression
 * (max_det per class, the same IoU and score thresholds), whose selected (batch, class, box)
 * triples assembleReference turns into the same two outputs.
 */
function withNms(path: string, graph: Graph, decode: DecodeOptions, maxDet: number): DecodedModel {
  const iou = decode.iou ?? DEFAULT_NMS.iou;
  const conf = decode.conf ?? DEFAULT_NMS.conf;
  const boxes = decode.boxes ?? 'xyxy';
  if (!(iou >= 0 && iou <= 1)) throw new YhcError('USAGE', `--iou must be between 0 and 1, got ${iou}`);
  if (!(conf >= 0 && conf <= 1)) throw new YhcError('USAGE', `--conf must be between 0 and 1, got ${conf}`);
  const preds = graph.outputs[0]!;
  const [batch, rows, anchors] = preds.shape as [number, number, number];
  const nc = rows - 4;
  for (const name of [DETECTIONS_OUTPUT, NUM_DETS_OUTPUT]) {
    if (graph.values().some((v) => v.name === name)) throw new YhcError('USAGE', `--decode names an output ${q(name)}, but the model already has a value of that name`);
  }
  graph.opsetImports.set(YHC_DOMAIN, graph.opsetImports.get(YHC_DOMAIN) ?? 1);
  const attrs = new Map([
    ['iou', { type: 'float', value: Math.fround(iou) }],
    ['conf', { type: 'float', value: Math.fround(conf) }],
    ['max_det', { type: 'int', value: maxDet }],
    ['boxes', { type: 'string', value: boxes }],
    ['max_candidates', { type: 'int', value: DEFAULT_MAX_CANDIDATES }],
  ] as const);
  const node = graph.newNode('YoloNms', YHC_DOMAIN, 'yhc_decode/nms', new Map(attrs), [preds]);
  const outputs: Value[] = [graph.newValue(DETECTIONS_OUTPUT, 'float32', [batch, maxDet, 6]), graph.newValue(NUM_DETS_OUTPUT, 'int32', [batch])];
  graph.appendNode(node, outputs);
  graph.outputs.splice(0, graph.outputs.length, ...outputs);

  const model = decodeModel(readFileSync(path), q(path));
  const root = externalDataRoot(dirname(path));
  const reference = appendOnnxNms(model, preds.name, nc, { iou, conf, maxDet, xywh: boxes === 'xywh' });
  return {
    model,
    graph,
    referenceBytes: () => withInlineData(reference, root),
    assembleReference: (out) => assembleNms(out, { batch, nc, anchors, maxDet, xywh: boxes === 'xywh' }),
  };
}

const NMS_REFERENCE = { selected: 'yhc_nms/selected', boxes: 'yhc_nms/boxes', scores: 'yhc_nms/scores' } as const;

/** The model with NonMaxSuppression over its preds; outputs selected [S, 3], boxes [B, A, 4], scores [B, nc, A]. */
function appendOnnxNms(model: OnnxModel, preds: string, nc: number, o: { iou: number; conf: number; maxDet: number; xywh: boolean }): OnnxModel {
  const m = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const g = m.graph!;
  const f32 = (name: string, v: number): TensorSpec => ({ name, tensor: new Tensor('float32', [1], Float32Array.of(v)) });
  const initializers: TensorSpec[] = [
    { name: 'yhc_nms/split', tensor: new Tensor('int64', [2], Float64Array.of(4, nc)) },
    { name: 'yhc_nms/max_per_class', tensor: new Tensor('int64', [1], Float64Array.of(o.maxDet)) },
    f32('yhc_nms/iou', o.iou),
    f32('yhc_nms/conf', o.conf),
  ];
  const nodes: NodeSpec[] = [
    { op: 'Transpose', name: 'yhc_nms/transpose', inputs: [preds], outputs: ['yhc_nms/transposed'], attrs: { perm: { type: 'ints', value: [0, 2, 1] } } },
    { op: 'Split', name: 'yhc_nms/split', inputs: ['yhc_nms/transposed', 'yhc_nms/split'], outputs: [NMS_REFERENCE.boxes, 'yhc_nms/class_scores'], attrs: { axis: { type: 'int', value: -1 } } },
    { op: 'Transpose', name: 'yhc_nms/transpose_scores', inputs: ['yhc_nms/class_scores'], outputs: [NMS_REFERENCE.scores], attrs: { perm: { type: 'ints', value: [0, 2, 1] } } },
    {
      op: 'NonMaxSuppression',
      name: 'yhc_nms/nms',
      inputs: [NMS_REFERENCE.boxes, NMS_REFERENCE.scores, 'yhc_nms/max_per_class', 'yhc_nms/iou', 'yhc_nms/conf'],
      outputs: [NMS_REFERENCE.selected],
      attrs: { center_point_box: { type: 'int', value: o.xywh ? 1 : 0 } },
    },
  ];
  const written = modelProto({ inputs: [], outputs: [], initializers, nodes }).graph!;
  g.initializer = [...(g.initializer ?? []), ...(written.initializer ?? [])];
  g.node = [...(g.node ?? []), ...(written.node ?? [])];
  const elem = (name: string, t: number) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: t } } });
  g.output = [elem(NMS_REFERENCE.selected, onnx.TensorProto.DataType.INT64), elem(NMS_REFERENCE.boxes, onnx.TensorProto.DataType.FLOAT), elem(NMS_REFERENCE.scores, onnx.TensorProto.DataType.FLOAT)];
  return m;
}

/** onnxruntime's selected triples → detections rows (score descending, ties to the lower c·A + a) and num_dets. */
function assembleNms(out: ReferenceOutputs, l: { batch: number; nc: number; anchors: number; maxDet: number; xywh: boolean }): ReferenceOutputs {
  const selected = Array.from(out[NMS_REFERENCE.selected]!.data as ArrayLike<number | bigint>, Number);
  const boxes = out[NMS_REFERENCE.boxes]!.data as ArrayLike<number>;
  const scores = out[NMS_REFERENCE.scores]!.data as ArrayLike<number>;
  const detections = new Float32Array(l.batch * l.maxDet * 6);
  const numDets = new Int32Array(l.batch);
  for (let b = 0; b < l.batch; b++) {
    const picks: { score: number; index: number; cls: number; a: number }[] = [];
    for (let s = 0; s + 2 < selected.length; s += 3) {
      if (selected[s] !== b) continue;
      const [cls, a] = [selected[s + 1]!, selected[s + 2]!];
      picks.push({ score: scores[(b * l.nc + cls) * l.anchors + a]!, index: cls * l.anchors + a, cls, a });
    }
    picks.sort((p, q) => q.score - p.score || p.index - q.index);
    const kept = picks.slice(0, l.maxDet);
    numDets[b] = kept.length;
    kept.forEach((p, r) => {
      const box = Array.from({ length: 4 }, (_, k) => boxes[(b * l.anchors + p.a) * 4 + k]!);
      const corners = boxCorners(box, l.xywh ? 'xywh' : 'xyxy');
      detections.set([...corners, p.score, p.cls], (b * l.maxDet + r) * 6);
    });
  }
  return { [DETECTIONS_OUTPUT]: { dims: [l.batch, l.maxDet, 6], data: detections }, [NUM_DETS_OUTPUT]: { dims: [l.batch], data: numDets } };
}
