import { describeNode, type Node } from '../../src/ir/graph.js';
import { yoloNmsLayout } from '../../src/ops/yhc/yolo_nms.js';
import { boolParam, floatParam, intParam, read, requireFloat32, write, type KernelSpec } from '../kernel_spec.js';
import type { LoweringContext } from './index.js';

/** ai.yhc.YoloNms → yolo_nms (yolo_nms.cuh): one block per image selects, sweeps and writes the rows. */
export function yoloNmsKernel(node: Node, ctx: LoweringContext): KernelSpec {
  const l = yoloNmsLayout(node);
  const [preds, detections, numDets] = [node.input(0), node.outputs[0]!, node.outputs[1]!];
  requireFloat32(node, [preds, detections]);
  if (numDets.dtype !== 'int32') throw new Error(`internal: ${describeNode(node)} num_dets is ${numDets.dtype}`);
  const k = l.candidates;
  const work = [ctx.temp('uint32', [l.batch, k]), ctx.temp('int32', [l.batch, k]), ctx.temp('uint32', [l.batch, k]), ctx.temp('int32', [l.batch, k])] as const;
  return {
    family: 'yolonms',
    template: 'yolo_nms.cuh',
    kernel: 'yhc::yolo_nms',
    params: [
      intParam('batch', l.batch),
      intParam('nc', l.nc),
      intParam('anchors', l.anchors),
      intParam('max_det', l.maxDet),
      intParam('candidates', k),
      floatParam('iou', l.iou),
      floatParam('conf', l.conf),
      boolParam('xywh', l.boxes === 'xywh'),
    ],
    tensors: [
      read('preds', preds),
      write('scratch_key', work[0]),
      write('scratch_index', work[1]),
      write('sorted_key', work[2]),
      write('sorted_index', work[3]),
      write('detections', detections),
      write('num_dets', numDets),
    ],
    callArgs: ['preds', 'scratch_key', 'scratch_index', 'sorted_key', 'sorted_index', 'detections', 'num_dets'],
    launch: { grid: l.batch, block: 256, sharedBytes: 0, barriers: true },
    imageBlocks: 1,
    nodes: [node],
    // Selection (5 passes over nc·A keys, k² / 2 to sort), then ≈20 FLOPs per IoU check.
    flops: l.batch * (5 * l.nc * l.anchors + k * k + 20 * k * l.maxDet),
  };
}
