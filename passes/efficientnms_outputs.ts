import { YhcError, q } from '../src/errors.js';
import { NUM_DETS_OUTPUT, looksLikeDetections } from '../src/golden/compare.js';
import { ONNX_DOMAIN, type Graph, type Node, type Value } from '../src/ir/graph.js';
import { Tensor } from '../src/tensor.js';
import type { Pass } from './pass.js';

/** What the engine outputs: detections [B, K, 6] (default) or TensorRT EfficientNMS's four tensors. */
export const OUTPUT_FORMATS = ['detections', 'efficientnms'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** TensorRT's EfficientNMS_TRT output names, in its order. */
export const EFFICIENT_NMS_OUTPUTS = ['num_detections', 'detection_boxes', 'detection_scores', 'detection_classes'] as const;

/**
 * `--outputs efficientnms`: the engine's detections [B, K, 6] (x1, y1, x2, y2, score, class) and,
 * where present, num_dets [B] become TensorRT EfficientNMS's four outputs, so DeepStream-style
 * parsers read a yhc engine unchanged:
 *   num_detections [B, 1] int32   = num_dets (or the rows scoring above 0: all K without --conf)
 *   detection_boxes [B, K, 4]     = detections[:, :, 0:4]
 *   detection_scores [B, K]       = detections[:, :, 4]
 *   detection_classes [B, K] int32 = detections[:, :, 5]
 * Plain ONNX ops (Slice, Reshape, Cast, Greater, ReduceSum) on the graph's outputs; run last,
 * after `--conf`.
 */
export function efficientNmsOutputs(): Pass {
  return {
    name: 'efficientnms-outputs',
    rule: 'detections [B, K, 6] (+ num_dets) → num_detections, detection_boxes, detection_scores, detection_classes',
    run(graph, log) {
      rewriteOutputs(graph);
      log.count('detections');
    },
  };
}

function rewriteOutputs(graph: Graph): void {
  const detections = graph.outputs.filter((v) => looksLikeDetections(v.shape, v.dtype));
  if (detections.length !== 1) {
    throw new YhcError(
      'USAGE',
      detections.length === 0
        ? '--outputs efficientnms needs a model that outputs detections [B, K, 6] (an end-to-end YOLOv10 export, or a raw head with --decode)'
        : `--outputs efficientnms: the model has ${detections.length} detection outputs; yhc converts exactly one`,
    );
  }
  const det = detections[0]!;
  const numDets = graph.outputs.find((v) => v.name === NUM_DETS_OUTPUT && v.dtype === 'int32') ?? null;
  const others = graph.outputs.filter((v) => v !== det && v !== numDets);
  if (others.length) throw new YhcError('USAGE', `--outputs efficientnms: the model has other outputs too (${q(others[0]!.name)})`);
  for (const name of EFFICIENT_NMS_OUTPUTS) {
    if (graph.values().some((v) => v.name === name))
      throw new YhcError('USAGE', `--outputs efficientnms names an output ${q(name)}, but the model already has a value of that name`);
  }
  const [b, k] = det.shape as [number, number, number];
  const ints = (name: string, values: number[]) => graph.newConstant(name, Tensor.from('int64', [values.length], values));
  const add = (op: string, name: string, inputs: Value[], out: Value, attrs: Node['attrs'] = new Map()): Value => {
    graph.appendNode(graph.newNode(op, ONNX_DOMAIN, `yhc_outputs/${name}`, attrs, inputs), [out]);
    return out;
  };
  const column = (name: string, from: number, to: number) =>
    add(
      'Slice',
      name,
      [det, ints(`${name}_starts`, [from]), ints(`${name}_ends`, [to]), ints(`${name}_axes`, [2])],
      graph.newValue(`${name}_slice`, det.dtype, [b, k, to - from]),
    );
  const boxes = add(
    'Slice',
    'boxes',
    [det, ints('boxes_starts', [0]), ints('boxes_ends', [4]), ints('boxes_axes', [2])],
    graph.newValue('detection_boxes', det.dtype, [b, k, 4]),
  );
  const shapeBK = ints('shape_b_k', [b, k]);
  const scores = add('Reshape', 'scores', [column('score', 4, 5), shapeBK], graph.newValue('detection_scores', det.dtype, [b, k]));
  const classesF = add('Reshape', 'classes_float', [column('class', 5, 6), shapeBK], graph.newValue('classes_float', det.dtype, [b, k]));
  const to = (dtype: number) => new Map([['to', { type: 'int', value: dtype } as const]]);
  const INT32 = 6;
  const FLOAT = 1;
  const classes = add('Cast', 'classes', [classesF], graph.newValue('detection_classes', 'int32', [b, k]), to(INT32));
  let count: Value;
  if (numDets) {
    count = add('Reshape', 'count', [numDets, ints('shape_b_1', [b, 1])], graph.newValue('num_detections', 'int32', [b, 1]));
  } else {
    // Without a count from the decoder: the rows that score above 0 (all K of an NMS-free head).
    const zero = graph.newConstant('zero', Tensor.from(det.dtype, [], [0]));
    const kept = add('Greater', 'kept', [scores, zero], graph.newValue('kept', 'bool', [b, k]));
    const keptF = add('Cast', 'kept_float', [kept], graph.newValue('kept_float', 'float32', [b, k]), to(FLOAT));
    const summed = add(
      'ReduceSum',
      'count_float',
      [keptF, ints('axis_1', [1])],
      graph.newValue('count_float', 'float32', [b, 1]),
      new Map([['keepdims', { type: 'int', value: 1 } as const]]),
    );
    count = add('Cast', 'count', [summed], graph.newValue('num_detections', 'int32', [b, 1]), to(INT32));
  }
  graph.outputs.splice(0, graph.outputs.length, count, boxes, scores, classes);
}
