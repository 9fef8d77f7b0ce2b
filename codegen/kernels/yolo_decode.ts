import { describeNode, type Node, type Value } from '../../src/ir/graph.js';
import { yoloAnchorFlops, yoloDecodeLayout, type YoloDecodeLayout } from '../../src/ops/yhc/yolo_decode.js';
import { floatLiteral, intLiteral } from '../c_text.js';
import {
  boolParam,
  elementType,
  elementTypeParam,
  floatParam,
  imageMajorThreads,
  intParam,
  read,
  requireFloat32,
  requireFloatStorage,
  write,
  type KernelSpec,
  type ParamField,
} from '../kernel_spec.js';
import type { LoweringContext } from './lowering.js';
import { selectFlops, selectLaunch, selectScratch } from './topk_select.js';

/**
 * ai.yhc.YoloDecode → three kernels (yolo_decode.cuh):
 *   yolo_decode_anchors      per (image, anchor): DFL (none with reg_max 1), xyxy or xywh box ·
 *                            stride, the best sigmoid score
 *   yolo_select_anchors      per image, one block: the max_det best anchors (topk_select.cuh:
 *                            radix select, ties to the lower index, then sorted)
 *   yolo_select_detections   per image, one block: the max_det best of their max_det × nc class
 *                            scores (from the logits), written as rows x1, y1, x2, y2, score, class
 * Output 'preds' needs only the first, writing [B, 4 + nc, A]: the raw YOLOv8 / YOLO11 output
 * (boxes xywh) in one launch.
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

function anchorsSpec(node: Node, l: YoloDecodeLayout, out: { boxes: Value; best?: Value }): KernelSpec {
  const preds = !out.best;
  return {
    family: 'yolodecode',
    template: 'yolo_decode.cuh',
    kernel: 'yhc::yolo_decode_anchors',
    params: [
      ...levelParams(node, l),
      intParam('reg_max', l.regMax),
      floatParam('grid_cell_offset', l.cellOffset),
      boolParam('preds_layout', preds),
      boolParam('xywh', l.boxes === 'xywh'),
    ],
    tensors: [...levelInputs(node, l), write('boxes', out.boxes), ...(out.best ? [write('best', out.best)] : [])],
    locals: [levelTable(node, l)],
    callArgs: ['levels', 'boxes', preds ? 'nullptr' : 'best'],
    ...imageMajorThreads(l.batch, l.anchors),
    nodes: [node],
    // Per anchor: DFL ≈ 9 per bin and side (the exponentials twice), the box, ≈5 per class.
    flops: l.batch * l.anchors * yoloAnchorFlops(l),
    halfStorage: true,
  };
}

const levelInputs = (node: Node, l: YoloDecodeLayout) =>
  l.levels.flatMap((_, i) => [read(`box${i}`, node.input(2 * i)), read(`cls${i}`, node.input(2 * i + 1))]);

/** The shape fields every decoder kernel's P names. */
function levelParams(node: Node, l: YoloDecodeLayout): ParamField[] {
  return [
    intParam('batch', l.batch),
    intParam('anchors', l.anchors),
    intParam('levels', l.levels.length),
    intParam('nc', l.nc),
    intParam('max_det', l.maxDet),
    elementTypeParam('Input', node.input(0)),
  ];
}

export function yoloDecodeKernels(node: Node, ctx: LoweringContext): KernelSpec[] {
  const l = yoloDecodeLayout(node);
  const y = node.outputs[0]!;
  const numDets = node.outputs[1] ?? null; // with a threshold (--conf)
  // The level tensors share one storage type (precision.ts decides them together); the rest is float32.
  const levels = node.inputs.filter((v): v is Value => v !== null);
  requireFloatStorage(node, levels);
  if (levels.some((v) => v.dtype !== levels[0]!.dtype)) throw new Error(`internal: ${describeNode(node)} levels mix storage types`);
  requireFloat32(node, [y]);
  if (numDets && numDets.dtype !== 'int32') throw new Error(`internal: ${describeNode(node)} num_dets is ${numDets.dtype}`);
  if (l.output === 'preds') return [anchorsSpec(node, l, { boxes: y })];

  const { batch, anchors, nc, maxDet } = l;
  const boxes = ctx.temp('float32', [batch, anchors, 4]);
  const best = ctx.temp('float32', [batch, anchors]);
  // Both selections use the same work arrays; each leaves its winners sorted in its own.
  const work = selectScratch(ctx, batch, maxDet);
  const rankedKey = ctx.temp('uint32', [batch, maxDet]);
  const ranked = ctx.temp('int32', [batch, maxDet]);
  const pickedKey = ctx.temp('uint32', [batch, maxDet]);
  const picked = ctx.temp('int32', [batch, maxDet]);
  return [
    anchorsSpec(node, l, { boxes, best }),
    {
      family: 'yoloselect',
      template: 'yolo_decode.cuh',
      kernel: 'yhc::yolo_select_anchors',
      params: levelParams(node, l),
      tensors: [
        read('best', best),
        write('scratch_key', work.key),
        write('scratch_index', work.index),
        write('ranked_key', rankedKey),
        write('ranked', ranked),
      ],
      callArgs: ['best', 'scratch_key', 'scratch_index', 'ranked_key', 'ranked'],
      ...selectLaunch(batch),
      nodes: [node],
      flops: selectFlops(batch, anchors, maxDet),
    },
    {
      family: 'yolodetections',
      template: 'yolo_decode.cuh',
      kernel: 'yhc::yolo_select_detections',
      params: [...levelParams(node, l), boolParam('has_conf', l.conf !== null), floatParam('conf', l.conf ?? 0)],
      tensors: [
        ...levelInputs(node, l),
        read('boxes', boxes),
        read('ranked', ranked),
        write('scratch_key', work.key),
        write('scratch_index', work.index),
        write('picked_key', pickedKey),
        write('picked', picked),
        write('detections', y),
        ...(numDets ? [write('num_dets', numDets)] : []),
      ],
      locals: [levelTable(node, l)],
      callArgs: ['levels', 'boxes', 'ranked', 'scratch_key', 'scratch_index', 'picked_key', 'picked', 'detections', numDets ? 'num_dets' : 'nullptr'],
      ...selectLaunch(batch),
      nodes: [node],
      // Each candidate's sigmoid is recomputed per pass (5 passes, ≈5 FLOPs each).
      flops: selectFlops(batch, maxDet * nc, maxDet) + 25 * batch * maxDet * nc,
      halfStorage: true,
    },
  ];
}
