import { describeNode, type Node, type Value } from '../../src/ir/graph.js';
import { yoloDecodeLayout, type YoloDecodeLayout } from '../../src/ops/yhc/yolo_decode.js';
import { floatLiteral, intLiteral } from '../c_text.js';
import { boolParam, elementType, elementTypeParam, floatParam, imageMajorThreads, intParam, read, requireFloat32, requireFloatStorage, typeParam, write, type KernelSpec } from '../kernel_spec.js';
import type { LoweringContext } from './index.js';

/**
 * ai.yhc.YoloDecode → simple kernels (the fast fused decoder is later work), yolo_decode.cuh:
 *   yolo_decode_anchors      per (image, anchor): DFL, xyxy box · stride, sigmoid, best score
 *   topk_rank                the max_det best anchors (topk.cuh: ties to the lower index)
 *   yolo_gather_candidates   their [max_det, nc] scores
 *   topk_rank                the max_det best candidates
 *   yolo_write_detections    rows x1, y1, x2, y2, score, class
 * Output 'preds' needs only the first, writing [B, 4 + nc, A].
 */

/** The level table `yhc::YoloLevels<L, T>`, initialized from the launcher's tensor parameters. */
function levelTable(node: Node, l: YoloDecodeLayout): { cType: string; name: string; init: string } {
  const list = (items: readonly string[]) => `{${items.join(', ')}}`;
  const levels = l.levels.map((_, i) => i);
  return {
    cType: `yhc::YoloLevels<${l.levels.length}, ${elementType(node.input(0))}>`,
    name: 'levels',
    init: `{${[
      list(levels.map((i) => `box${i}`)),
      list(levels.map((i) => `cls${i}`)),
      list(l.levels.map((v) => intLiteral(v.height))),
      list(l.levels.map((v) => intLiteral(v.width))),
      list(l.levels.map((v) => floatLiteral(v.stride))),
    ].join(', ')}}`,
  };
}

function anchorsSpec(node: Node, l: YoloDecodeLayout, out: { boxes: Value; scores?: Value; best?: Value }): KernelSpec {
  const levelInputs = l.levels.flatMap((_, i) => [read(`box${i}`, node.input(2 * i)), read(`cls${i}`, node.input(2 * i + 1))]);
  const preds = !out.scores;
  return {
    family: 'yolodecode',
    template: 'yolo_decode.cuh',
    kernel: 'yhc::yolo_decode_anchors',
    params: [
      intParam('batch', l.batch),
      intParam('anchors', l.anchors),
      intParam('levels', l.levels.length),
      intParam('nc', l.nc),
      intParam('reg_max', l.regMax),
      floatParam('grid_cell_offset', l.cellOffset),
      boolParam('preds_layout', preds),
      elementTypeParam('Input', node.input(0)),
    ],
    tensors: [...levelInputs, write('boxes', out.boxes), ...(out.scores ? [write('scores', out.scores)] : []), ...(out.best ? [write('best', out.best)] : [])],
    locals: [levelTable(node, l)],
    callArgs: ['levels', 'boxes', preds ? 'nullptr' : 'scores', preds ? 'nullptr' : 'best'],
    ...imageMajorThreads(l.batch, l.anchors),
    nodes: [node],
    // Per anchor: DFL ≈ 9 per bin and side (the exponentials twice), 8 for the box, ≈5 per class.
    flops: l.batch * l.anchors * (4 * l.regMax * 9 + 8 + 5 * l.nc),
    halfStorage: true,
  };
}

/** topk_rank (topk.cuh) over one row of `len` values per image: the k largest, sorted, ties to the lower index. */
function topkSpec(node: Node, x: Value, values: Value, indices: Value, batch: number, len: number, k: number): KernelSpec {
  return {
    family: 'yolotopk',
    template: 'topk.cuh',
    kernel: 'yhc::topk_rank',
    params: [typeParam('T', 'float'), intParam('outer', batch), intParam('axis_len', len), intParam('inner', 1), intParam('k', k), boolParam('largest', true), intParam('images', batch)],
    tensors: [read('x', x), write('values', values), write('indices', indices)],
    callArgs: ['x', 'values', 'indices'],
    ...imageMajorThreads(batch, len),
    nodes: [node],
    flops: batch * len * Math.min(k, len),
  };
}

export function yoloDecodeKernels(node: Node, ctx: LoweringContext): KernelSpec[] {
  const l = yoloDecodeLayout(node);
  const y = node.outputs[0]!;
  // The level tensors share one storage type (precision.ts decides them together); the rest is float32.
  const levels = node.inputs.filter((v): v is Value => v !== null);
  requireFloatStorage(node, levels);
  if (levels.some((v) => v.dtype !== levels[0]!.dtype)) throw new Error(`internal: ${describeNode(node)} levels mix storage types`);
  requireFloat32(node, [y]);
  if (l.output === 'preds') return [anchorsSpec(node, l, { boxes: y })];

  const { batch, anchors, nc, maxDet } = l;
  const boxes = ctx.temp('float32', [batch, anchors, 4]);
  const scores = ctx.temp('float32', [batch, anchors, nc]);
  const best = ctx.temp('float32', [batch, anchors]);
  const rankedScores = ctx.temp('float32', [batch, maxDet]);
  const ranked = ctx.temp('int64', [batch, maxDet]);
  const candidates = ctx.temp('float32', [batch, maxDet, nc]);
  const pickedScores = ctx.temp('float32', [batch, maxDet]);
  const picked = ctx.temp('int64', [batch, maxDet]);
  const shape = [intParam('batch', batch), intParam('anchors', anchors), intParam('nc', nc), intParam('max_det', maxDet)];
  return [
    anchorsSpec(node, l, { boxes, scores, best }),
    topkSpec(node, best, rankedScores, ranked, batch, anchors, maxDet),
    {
      family: 'yologather',
      template: 'yolo_decode.cuh',
      kernel: 'yhc::yolo_gather_candidates',
      params: shape,
      tensors: [read('scores', scores), read('ranked', ranked), write('candidates', candidates)],
      callArgs: ['scores', 'ranked', 'candidates'],
      ...imageMajorThreads(batch, maxDet * nc),
      nodes: [node],
      flops: 0,
    },
    topkSpec(node, candidates, pickedScores, picked, batch, maxDet * nc, maxDet),
    {
      family: 'yolodetections',
      template: 'yolo_decode.cuh',
      kernel: 'yhc::yolo_write_detections',
      params: shape,
      tensors: [read('boxes', boxes), read('ranked', ranked), read('scores', pickedScores), read('picked', picked), write('detections', y)],
      callArgs: ['boxes', 'ranked', 'scores', 'picked', 'detections'],
      ...imageMajorThreads(batch, maxDet),
      nodes: [node],
      flops: 0,
    },
  ];
}
