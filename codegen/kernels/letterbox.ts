import type { Node } from '../../src/ir/graph.js';
import { boxesToFrameAttrs, letterboxAttrs } from '../../src/ops/yhc/letterbox.js';
import { numel } from '../../src/tensor.js';
import { boolParam, elementType, elementTypeParam, imageMajorThreads, intParam, read, typeParam, write, type KernelSpec } from '../kernel_spec.js';

/**
 * ai.yhc.Letterbox as its own kernel (templates/kernels/letterbox.cuh `letterbox`), for a
 * Letterbox whose reader is not a dense conv; the usual stem conv reads through it instead
 * (codegen/letterbox_reads.ts) and this kernel never runs.
 */
export function letterboxKernel(node: Node): KernelSpec {
  const [frames, frameSize] = [node.input(0), node.input(1)];
  const y = node.outputs[0]!;
  const { size, order } = letterboxAttrs(node);
  const perImage = 3 * size * size;
  return {
    family: 'letterbox',
    template: 'letterbox.cuh',
    kernel: 'yhc::letterbox',
    params: [
      intParam('in_h', size),
      intParam('in_w', size),
      intParam('frame_h', frames.shape[1]!),
      intParam('frame_w', frames.shape[2]!),
      boolParam('bgr', order === 'bgr'),
      intParam('per_image', perImage),
      elementTypeParam('Output', y),
    ],
    tensors: [read('frames', frames), read('frame_size', frameSize), write('y', y)],
    callArgs: ['frames', 'frame_size', 'y'],
    ...imageMajorThreads(y.shape[0]!, perImage),
    nodes: [node],
    flops: 8 * numel(y.shape),
    halfStorage: true,
  };
}

const UNBOUNDED = 1 << 30;

/**
 * ai.yhc.BoxesToFrame → boxes_to_frame (letterbox.cuh): one thread per box, mapping its four
 * coordinates and copying the rest of its row (detections) or column (a raw head's anchors).
 * A tiny kernel at the output rather than the decoder's epilogue: it serves every decoder form
 * alike (NMS-free top-k, NMS, generic kernels under --skip-pass, raw heads) and leaves their
 * templates as they are; it moves K·6 floats per image for detections.
 */
export function boxesToFrameKernel(node: Node): KernelSpec {
  const [x, frameSize] = [node.input(0), node.input(1)];
  const y = node.outputs[0]!;
  const { size, layout } = boxesToFrameAttrs(node);
  const [batch, rows, cols] = x.shape as [number, number, number];
  const xyxy = layout === 'xyxy';
  const boxes = xyxy ? rows : cols;
  return {
    family: 'boxestoframe',
    template: 'letterbox.cuh',
    kernel: 'yhc::boxes_to_frame',
    params: [
      intParam('size', size),
      // No upper clamp here: a device-pointer run's frame_size only needs to stay positive (it reads no frame).
      intParam('frame_h', UNBOUNDED),
      intParam('frame_w', UNBOUNDED),
      intParam('rows', rows),
      intParam('cols', cols),
      boolParam('xyxy', xyxy),
      intParam('boxes', boxes),
      typeParam('T', elementType(x)),
    ],
    tensors: [read('x', x), read('frame_size', frameSize), write('y', y)],
    callArgs: ['x', 'frame_size', 'y'],
    ...imageMajorThreads(batch, boxes),
    nodes: [node],
    flops: 8 * batch * boxes,
  };
}
