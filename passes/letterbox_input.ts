import { YhcError, q } from '../src/errors.js';
import { looksLikeDetections } from '../src/golden/compare.js';
import { YHC_DOMAIN, type Graph, type Value } from '../src/ir/graph.js';
import { modelMetadata } from '../src/ir/model_metadata.js';
import type { BoxLayout } from '../src/ops/yhc/letterbox.js';
import type { Pass } from './pass.js';

/** What the engine takes: the float NCHW tensor the model was exported with, or uint8 frames. */
export const INPUT_FORMATS = ['float', 'rgb8', 'bgr8'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** `--input-format rgb8|bgr8 --frame WxH`: the channel order and the largest frame. */
export interface FrameInput {
  readonly format: 'rgb8' | 'bgr8';
  readonly width: number;
  readonly height: number;
}

/** The engine inputs the pass introduces (manifest names). */
export const FRAMES_INPUT = 'frames';
export const FRAME_SIZE_INPUT = 'frame_size';

/**
 * `--input-format rgb8|bgr8`: the model's image input [B, 3, S, S] becomes `frames` uint8
 * [B, H, W, 3] (the largest frame, `--frame WxH`; image n in the top-left frame_size[n] corner,
 * rows of W·3 bytes) and `frame_size` int32 [B, 2] (width, height), read through one
 * ai.yhc.Letterbox node in front of the network (codegen fuses it into the stem conv's input
 * load: codegen/letterbox_reads.ts); every box output is mapped back to frame pixels by an
 * ai.yhc.BoxesToFrame node: detections [B, K, 6] (x1, y1, x2, y2 columns) and a raw head's
 * [B, 4 + nc, A] (cx, cy, w, h rows). S is the input's side; the exporter's `imgsz` metadata,
 * when present, must agree. Runs after the pipeline and --conf, before --outputs efficientnms
 * (whose detection_boxes are then cut from mapped detections).
 */
export function letterboxInput(frame: FrameInput): Pass {
  return {
    name: 'letterbox-input',
    rule: 'images [B, 3, S, S] → Letterbox(frames [B, H, W, 3] uint8, frame_size [B, 2]); box outputs → BoxesToFrame',
    run(graph, log) {
      const frameSize = replaceImageInput(graph, frame);
      if (!graph.opsetImports.has(YHC_DOMAIN)) graph.opsetImports.set(YHC_DOMAIN, 1);
      log.count('image input');
      for (let i = 0; i < graph.outputs.length; i++) {
        const out = graph.outputs[i]!;
        const layout = boxLayout(out);
        if (!layout || !out.producer) {
          log.note(`output ${q(out.name)} ${JSON.stringify(out.shape)}: not boxes; left as it is`);
          continue;
        }
        mapBoxes(graph, out, layout, frameSize);
        log.count(`${layout} boxes`);
      }
      graph.toposort();
    },
  };
}

function replaceImageInput(graph: Graph, frame: FrameInput): Value {
  const flag = `--input-format ${frame.format}`;
  const images = graph.inputs.filter((v) => v.dtype === 'float32' && v.shape.length === 4 && v.shape[1] === 3);
  if (images.length !== 1) {
    const list = graph.inputs.map((v) => `${q(v.name)} ${v.dtype} [${v.shape.join(', ')}]`).join(', ') || 'none';
    throw new YhcError('USAGE', `${flag} needs a model with one 3-channel float32 image input [B, 3, S, S]; its inputs are ${list}`);
  }
  const image = images[0]!;
  const [batch, , h, w] = image.shape as [number, number, number, number];
  if (h !== w) throw new YhcError('USAGE', `${flag}: the image input ${q(image.name)} is ${w}x${h}; yhc letterboxes into a square S x S only`);
  const imgsz = modelMetadata(graph.metadataProps).imgsz;
  if (imgsz && (imgsz[0] !== h || imgsz[1] !== w))
    throw new YhcError(
      'USAGE',
      `${flag}: the model's imgsz metadata [${imgsz.join(', ')}] disagrees with its input ${q(image.name)} [${image.shape.join(', ')}]`,
    );
  for (const name of [FRAMES_INPUT, FRAME_SIZE_INPUT]) {
    if (graph.values().some((v) => v.name === name && v !== image))
      throw new YhcError('USAGE', `${flag} adds an input ${q(name)}, but the model already has a value of that name`);
  }
  const frames = graph.newValue(FRAMES_INPUT, 'uint8', [batch, frame.height, frame.width, 3]);
  const frameSize = graph.newValue(FRAME_SIZE_INPUT, 'int32', [batch, 2]);
  const attrs = new Map([
    ['size', { type: 'int', value: h } as const],
    ['channel_order', { type: 'string', value: frame.format === 'rgb8' ? 'rgb' : 'bgr' } as const],
  ]);
  const node = graph.newNode('Letterbox', YHC_DOMAIN, 'yhc_letterbox', attrs, [frames, frameSize]);
  graph.appendNode(node, [image]);
  graph.nodes = [node, ...graph.nodes.filter((n) => n !== node)];
  const at = graph.inputs.indexOf(image);
  graph.inputs.splice(at, 1, frames, frameSize);
  return frameSize;
}

/** Detections [B, K, 6]: xyxy columns; a raw head's [B, 4 + nc, A] (more anchors than rows): cxcywh rows. */
export function boxLayout(v: Pick<Value, 'shape' | 'dtype'>): BoxLayout | null {
  if (looksLikeDetections(v.shape, v.dtype)) return 'xyxy';
  const [, c, a] = v.shape;
  if (v.shape.length === 3 && v.dtype === 'float32' && c! >= 5 && a! > c!) return 'cxcywh';
  return null;
}

/** The producer of `out` now writes a network-pixel value; BoxesToFrame maps it into `out` (its name is the engine's contract). */
function mapBoxes(graph: Graph, out: Value, layout: BoxLayout, frameSize: Value): void {
  const producer = out.producer!;
  const net = graph.newValue(`${out.name}_network_pixels`, out.dtype, out.shape);
  producer.outputs[producer.outputs.indexOf(out)] = net;
  net.producer = producer;
  const outputs = [...graph.outputs];
  graph.replaceAllUses(out, net);
  graph.outputs.splice(0, graph.outputs.length, ...outputs);
  const attrs = new Map([
    ['size', { type: 'int', value: sizeOf(graph) } as const],
    ['layout', { type: 'string', value: layout } as const],
  ]);
  graph.appendNode(graph.newNode('BoxesToFrame', YHC_DOMAIN, `yhc_boxes_to_frame/${out.name}`, attrs, [net, frameSize]), [out]);
}

function sizeOf(graph: Graph): number {
  const lb = graph.nodes.find((n) => n.opType === 'Letterbox' && n.domain === YHC_DOMAIN)!;
  return lb.outputs[0]!.shape[2]!;
}
