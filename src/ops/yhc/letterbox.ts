import { attrInt, attrString } from '../../ir/attributes.js';
import type { Node } from '../../ir/graph.js';
import { boxesToFrame, letterbox, letterboxGeometry, type LetterboxGeometry } from '../../preprocess/letterbox.js';
import { Tensor } from '../../tensor.js';
import type { OpDef } from '../op.js';
import { checkNode, FLOAT_TYPES, requireDType, requiredTensor } from '../util/checks.js';
import { attributeError, evalError, shapeError, shapeStr } from '../util/errors.js';

/**
 * ai.yhc.Letterbox(frames uint8 [B, H, W, 3], frame_size int32 [B, 2]) → float32 [B, 3, S, S] —
 * attributes `size` (S) and `channel_order` ("rgb" | "bgr"). Image n is the frame_size[n] =
 * (w, h) top-left corner of frames[n] (rows of W·3 bytes), letterboxed exactly as ultralytics'
 * predict does (src/preprocess/letterbox.ts: cv2 INTER_LINEAR, pad 114, RGB, /255). A size
 * outside 1..W x 1..H, or one that shrinks to 0 pixels in S, is an EVAL error naming the image.
 *
 * ai.yhc.BoxesToFrame(boxes float [B, ...], frame_size int32 [B, 2]) → boxes in frame pixels —
 * attributes `size` and `layout`: "xyxy" (boxes [B, K, C ≥ 4], columns 0..3 are x1, y1, x2, y2:
 * detections) or "cxcywh" (boxes [B, C ≥ 4, A], rows 0..3 are cx, cy, w, h: a raw head's
 * predictions). Padding and scale undone, clipped to the frame (ultralytics' scale_boxes), in
 * float64, rounded once to float32; other columns or rows unchanged.
 */

export type ChannelOrder = 'rgb' | 'bgr';
export type BoxLayout = 'xyxy' | 'cxcywh';

export function letterboxAttrs(node: Node): { size: number; order: ChannelOrder } {
  const size = attrInt(node, 'size');
  const order = attrString(node, 'channel_order');
  if (!(size >= 1)) throw attributeError(node, `size ${size}: must be at least 1`);
  if (order !== 'rgb' && order !== 'bgr') throw attributeError(node, `channel_order ${JSON.stringify(order)}: expected "rgb" or "bgr"`);
  return { size, order };
}

export function boxesToFrameAttrs(node: Node): { size: number; layout: BoxLayout } {
  const size = attrInt(node, 'size');
  const layout = attrString(node, 'layout');
  if (!(size >= 1)) throw attributeError(node, `size ${size}: must be at least 1`);
  if (layout !== 'xyxy' && layout !== 'cxcywh') throw attributeError(node, `layout ${JSON.stringify(layout)}: expected "xyxy" or "cxcywh"`);
  return { size, layout };
}

function checkFrameSize(node: Node, i: number, batch: number): void {
  const s = node.input(i).shape;
  requireDType(node, i, ['int32']);
  if (s.length !== 2 || s[0] !== batch || s[1] !== 2) throw shapeError(node, `frame_size has shape ${shapeStr(s)}; expected [${batch}, 2]`);
}

/** The geometry of image n, its frame_size checked against the largest frame (maxW x maxH). */
function imageGeometry(node: Node, sizes: Tensor, n: number, maxW: number, maxH: number, size: number): LetterboxGeometry {
  const w = sizes.data[2 * n]!;
  const h = sizes.data[2 * n + 1]!;
  if (!(w >= 1 && w <= maxW && h >= 1 && h <= maxH))
    throw evalError(node, `frame_size[${n}] = ${w}x${h} is outside 1x1 .. ${maxW}x${maxH} (the largest frame)`);
  try {
    return letterboxGeometry(w, h, size);
  } catch (e) {
    throw evalError(node, `frame_size[${n}]: ${(e as Error).message}`);
  }
}

export const Letterbox: OpDef = {
  opType: 'Letterbox',
  domain: 'ai.yhc',
  attributes: ['size', 'channel_order'],
  inputs: [2, 2],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, Letterbox);
    requireDType(node, 0, ['uint8']);
    const f = node.input(0).shape;
    if (f.length !== 4 || f[3] !== 3) throw shapeError(node, `frames has shape ${shapeStr(f)}; expected [B, H, W, 3]`);
    checkFrameSize(node, 1, f[0]!);
    const { size } = letterboxAttrs(node);
    return [{ dtype: 'float32', shape: [f[0]!, 3, size, size] }];
  },
  evaluate(node, inputs) {
    const frames = requiredTensor(node, inputs, 0);
    const sizes = requiredTensor(node, inputs, 1);
    const { size, order } = letterboxAttrs(node);
    const [batch, maxH, maxW] = frames.shape as [number, number, number, number];
    const out = new Float32Array(batch * 3 * size * size);
    for (let n = 0; n < batch; n++) {
      const g = imageGeometry(node, sizes, n, maxW, maxH, size);
      const data = new Uint8Array(g.frameWidth * g.frameHeight * 3);
      const base = n * maxH * maxW * 3;
      for (let y = 0; y < g.frameHeight; y++) for (let i = 0; i < g.frameWidth * 3; i++) data[y * g.frameWidth * 3 + i] = frames.data[base + y * maxW * 3 + i]!;
      out.set(letterbox({ data, width: g.frameWidth, height: g.frameHeight, order }, size), n * 3 * size * size);
    }
    return [new Tensor('float32', [batch, 3, size, size], out)];
  },
  // The bilinear blend: 2 multiply-adds per row, 2 rows and a blend, the /255 (≈8 per element).
  flops: (node) => 8 * 3 * letterboxAttrs(node).size ** 2 * node.input(0).shape[0]!,
};

export const BoxesToFrame: OpDef = {
  opType: 'BoxesToFrame',
  domain: 'ai.yhc',
  attributes: ['size', 'layout'],
  inputs: [2, 2],
  outputs: [1, 1],
  infer(node) {
    checkNode(node, BoxesToFrame);
    const dtype = requireDType(node, 0, FLOAT_TYPES);
    const b = node.input(0).shape;
    const { layout } = boxesToFrameAttrs(node);
    const boxAxis = layout === 'xyxy' ? 2 : 1;
    if (b.length !== 3 || b[boxAxis]! < 4)
      throw shapeError(node, `boxes has shape ${shapeStr(b)}; layout ${layout} needs [B, ${layout === 'xyxy' ? 'K, C >= 4' : 'C >= 4, A'}]`);
    checkFrameSize(node, 1, b[0]!);
    return [{ dtype, shape: [...b] }];
  },
  evaluate(node, inputs) {
    const boxes = requiredTensor(node, inputs, 0);
    const sizes = requiredTensor(node, inputs, 1);
    const { size, layout } = boxesToFrameAttrs(node);
    const [batch, d1, d2] = boxes.shape as [number, number, number];
    const out = new Float32Array(boxes.data);
    const perImage = d1 * d2;
    for (let n = 0; n < batch; n++) {
      // No largest frame here: any positive size is one the Letterbox accepted.
      const g = imageGeometry(node, sizes, n, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, size);
      const image = boxes.data.subarray(n * perImage, (n + 1) * perImage) as Float32Array;
      if (layout === 'xyxy') {
        out.set(boxesToFrame(Float32Array.from(image), g, { stride: d2 }), n * perImage);
      } else {
        // Rows 0..3 of [C, A]: gather each anchor's four, map, scatter back.
        const four = new Float32Array(4 * d2);
        for (let a = 0; a < d2; a++) for (let r = 0; r < 4; r++) four[4 * a + r] = image[r * d2 + a]!;
        const mapped = boxesToFrame(four, g, { xywh: true });
        for (let a = 0; a < d2; a++) for (let r = 0; r < 4; r++) out[n * perImage + r * d2 + a] = mapped[4 * a + r]!;
      }
    }
    return [new Tensor(boxes.dtype, boxes.shape, out)];
  },
  flops: (node) => 8 * node.input(0).shape[0]! * (boxesToFrameAttrs(node).layout === 'xyxy' ? node.input(0).shape[1]! : node.input(0).shape[2]!),
};
