import { DETECTIONS_OUTPUT } from '../golden/compare.js';
import { YhcError, q } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { PredsOutput } from './decode_options.js';
import { onnx, exactInt64, type OnnxModel } from './proto.js';
import { modelProto, type NodeSpec, type TensorSpec } from './write.js';

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
