import { YhcError, q } from '../errors.js';
import type { TensorInfo } from '../manifest.js';
import { boxesToFrame, letterbox, letterboxGeometry } from '../preprocess/letterbox.js';
import type { Engine } from '../runtime/engine.js';
import { detectionLayout, detectionRows, type Detection } from './detections.js';
import { readImage } from './read_image.js';
import type { RgbImage } from './rgb_image.js';

/** One image's result, as `yhc detect`'s JSON document writes it. */
export interface ImageDetections {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly detections: readonly Detection[];
}

export interface DetectOptions {
  /** Keep detections scoring at least this. */
  readonly conf: number;
  /** Called once per image, in order, with its decoded pixels (to draw on) and its result. */
  readonly onImage?: (index: number, image: RgbImage, result: ImageDetections) => void;
}

/** The network input side S of a float-input build (one input float32 [B, 3, S, S]); error[USAGE] otherwise. */
export function networkSize(inputs: readonly TensorInfo[]): number {
  const takes = inputs.map((i) => `${q(i.name)} ${i.dtype}[${i.shape.join(', ')}]`).join(', ');
  const input = inputs[0];
  const frames = inputs.find((i) => i.name === 'frames' && i.dtype === 'uint8');
  if (frames && inputs.some((i) => i.name === 'frame_size')) {
    throw new YhcError(
      'USAGE',
      `this build takes uint8 frames (${takes}: compiled with --input-format rgb8|bgr8); yhc detect runs float-input builds (one float32 image input [B, 3, S, S]), so compile the model without --input-format for it`,
    );
  }
  if (inputs.length !== 1 || !input || input.dtype !== 'float32' || input.shape.length !== 4 || input.shape[1] !== 3) {
    throw new YhcError('USAGE', `this build takes ${takes}; yhc detect runs builds with one float32 image input [B, 3, S, S]`);
  }
  const [, , h, w] = input.shape as [number, number, number, number];
  if (h !== w) throw new YhcError('USAGE', `this build takes ${takes}, a non-square input; yhc detect letterboxes into a square S x S input`);
  return h;
}

/** Shortest decimal that reads back as the same float32 (JSON without float32 noise digits). */
export function float32Text(x: number): number {
  for (let p = 1; p <= 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === x) return v;
  }
  return x;
}

/**
 * Run `engine` on image files, `engine.manifest.batch` at a time: each decoded (readImage),
 * letterboxed on the CPU into the network input (src/preprocess/letterbox.ts: ultralytics'
 * LetterBox, RGB, /255), and its detections mapped back to its own pixels (boxesToFrame: padding
 * and scale undone, clipped to the image). A last, partial batch runs as a smaller batch on a
 * dynamic-batch build and is padded with zero inputs (results unused) otherwise. Detections scoring below
 * `conf` are dropped; class names come from the model's `names` metadata.
 */
export function detectImages(engine: Engine, files: readonly string[], options: DetectOptions): ImageDetections[] {
  const size = networkSize(engine.inputs);
  const layout = detectionLayout(engine.outputs);
  const names = engine.classNames;
  const max = engine.manifest.batch;
  const plane = 3 * size * size;
  const results: ImageDetections[] = [];
  for (let start = 0; start < files.length; start += max) {
    const chunk = files.slice(start, start + max);
    const images = chunk.map(readImage);
    const batch = engine.manifest.dynamicBatch ? chunk.length : max;
    const input = new Float32Array(batch * plane);
    images.forEach((img, b) => input.set(letterbox({ data: img.data, width: img.width, height: img.height, order: 'rgb' }, size), b * plane));
    const outputs = engine.runPositional([input], undefined, batch);
    images.forEach((img, b) => {
      const rows = detectionRows(layout, outputs, b);
      const mapped = boxesToFrame(rows, letterboxGeometry(img.width, img.height, size), { stride: 6 });
      const detections: Detection[] = [];
      for (let i = 0; i < mapped.length / 6; i++) {
        const score = mapped[i * 6 + 4]!;
        if (!(score >= options.conf)) continue;
        const classId = Math.round(mapped[i * 6 + 5]!);
        detections.push({
          box: [0, 1, 2, 3].map((c) => float32Text(mapped[i * 6 + c]!)) as [number, number, number, number],
          score: float32Text(score),
          class_id: classId,
          class_name: names?.[classId] ?? String(classId),
        });
      }
      const result: ImageDetections = { file: chunk[b]!, width: img.width, height: img.height, detections };
      results.push(result);
      options.onImage?.(start + b, img, result);
    });
  }
  return results;
}
