import { describeNode, type Node } from '../../src/ir/graph.js';
import { yoloNmsLayout } from '../../src/ops/yhc/yolo_nms.js';
import { boolParam, floatParam, intParam, read, requireFloat32, THREADS_PER_BLOCK, write, type KernelSpec } from '../kernel_spec.js';
import type { LoweringContext } from './lowering.js';
import { selectFlops, selectLaunch, selectScratch } from './topk_select.js';

/**
 * ai.yhc.YoloNms → three kernels (yolo_nms.cuh): yolo_nms_select (one block per image: the sorted
 * candidates, their boxes and classes), yolo_nms_mask (the IoU matrix in 256-row × 64-column
 * tiles), yolo_nms_sweep (one warp per image: the survivors, the rows, num_dets).
 */
export function yoloNmsKernels(node: Node, ctx: LoweringContext): KernelSpec[] {
  const l = yoloNmsLayout(node);
  const [preds, detections, numDets] = [node.input(0), node.outputs[0]!, node.outputs[1]!];
  requireFloat32(node, [preds, detections]);
  if (numDets.dtype !== 'int32') throw new Error(`internal: ${describeNode(node)} num_dets is ${numDets.dtype}`);
  const { batch } = l;
  const k = l.candidates;
  const words = Math.ceil(k / 64);
  const rowBlocks = Math.ceil(k / THREADS_PER_BLOCK);
  const scratch = selectScratch(ctx, batch, k);
  const sortedKey = ctx.temp('uint32', [batch, k]);
  const boxes = ctx.temp('float32', [batch, k * 4]);
  const classes = ctx.temp('int32', [batch, k]);
  const mask = ctx.temp('uint64', [batch, k * words]);
  const params = [
    intParam('batch', batch),
    intParam('nc', l.nc),
    intParam('anchors', l.anchors),
    intParam('max_det', l.maxDet),
    intParam('candidates', k),
    floatParam('iou', l.iou),
    floatParam('conf', l.conf),
    boolParam('xywh', l.boxes === 'xywh'),
  ];
  const common = { template: 'yolo_nms.cuh', params, nodes: [node] };
  return [
    {
      ...common,
      family: 'yolonmsselect',
      kernel: 'yhc::yolo_nms_select',
      tensors: [
        read('preds', preds),
        write('scratch_key', scratch.key),
        write('scratch_index', scratch.index),
        write('sorted_key', sortedKey),
        write('sorted_index', ctx.temp('int32', [batch, k])),
        write('boxes', boxes),
        write('classes', classes),
      ],
      callArgs: ['preds', 'scratch_key', 'scratch_index', 'sorted_key', 'sorted_index', 'boxes', 'classes'],
      ...selectLaunch(batch),
      flops: selectFlops(batch, l.nc * l.anchors, k),
    },
    {
      ...common,
      family: 'yolonmsmask',
      kernel: 'yhc::yolo_nms_mask',
      tensors: [read('boxes', boxes), read('classes', classes), write('mask', mask)],
      callArgs: ['boxes', 'classes', 'mask'],
      launch: { grid: batch * rowBlocks * words, block: THREADS_PER_BLOCK, sharedBytes: 0, barriers: true },
      imageBlocks: rowBlocks * words,
      // ≈20 FLOPs per IoU, the upper triangle of k × k.
      flops: batch * 10 * k * k,
    },
    {
      ...common,
      family: 'yolonmssweep',
      kernel: 'yhc::yolo_nms_sweep',
      tensors: [
        read('sorted_key', sortedKey),
        read('boxes', boxes),
        read('classes', classes),
        read('mask', mask),
        write('detections', detections),
        write('num_dets', numDets),
      ],
      callArgs: ['sorted_key', 'boxes', 'classes', 'mask', 'detections', 'num_dets'],
      launch: { grid: batch, block: 32, sharedBytes: 0, barriers: true },
      imageBlocks: 1,
      flops: batch * k * words,
    },
  ];
}
