import { YhcError, q } from '../errors.js';
import type { TensorInfo } from '../manifest.js';
import { boxesToFrame, letterbox, letterboxGeometry } from '../preprocess/letterbox.js';
import type { Engine } from '../runtime/engine.js';
import type { TypedArray } from '../typed_arrays.js';
import { FRAME_SIZE_INPUT, FRAMES_INPUT } from '../../passes/letterbox_input.js';
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
  if (inputs.length !== 1 || !input || input.dtype !== 'float32' || input.shape.length !== 4 || input.shape[1] !== 3) {
    throw new YhcError(
      'USAGE',
      `this build takes ${takes}; yhc detect runs builds with one float32 image input [B, 3, S, S] or frames (--input-format rgb8|bgr8)`,
    );
  }
  const [, , h, w] = input.shape as [number, number, number, number];
  if (h !== w) throw new YhcError('USAGE', `this build takes ${takes}, a non-square input; yhc detect letterboxes into a square S x S input`);
  return h;
}

type Frames = NonNullable<Engine['manifest']['frames']>;

/**
 * The inputs of a frames-in build (--input-format rgb8|bgr8) for these images: `frames` uint8
 * [batch, H, W, 3], image n in the top-left corner of frame n in the build's channel order, and
 * `frame_size` int32 [batch, 2] (width, height; 1x1 for padding images). The engine letterboxes
 * in its stem and returns boxes in frame pixels.
 */
function frameInputs(engine: Engine, frames: Frames, files: readonly string[], images: readonly RgbImage[], batch: number): TypedArray[] {
  const pixels = new Uint8Array(batch * frames.height * frames.width * 3);
  const sizes = new Int32Array(batch * 2).fill(1);
  images.forEach((img, b) => {
    if (img.width > frames.width || img.height > frames.height) {
      throw new YhcError(
        'INPUT',
        `image ${q(files[b]!)} is ${img.width}x${img.height}; this build takes frames up to ${frames.width}x${frames.height} (compiled with --frame)`,
      );
    }
    const base = b * frames.height * frames.width * 3;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const from = (y * img.width + x) * 3;
        const to = base + (y * frames.width + x) * 3;
        const [r, g, bl] = [img.data[from]!, img.data[from + 1]!, img.data[from + 2]!];
        pixels[to] = frames.format === 'rgb8' ? r : bl;
        pixels[to + 1] = g;
        pixels[to + 2] = frames.format === 'rgb8' ? bl : r;
      }
    }
    sizes[b * 2] = img.width;
    sizes[b * 2 + 1] = img.height;
  });
  const byName: Record<string, TypedArray> = { [FRAMES_INPUT]: pixels, [FRAME_SIZE_INPUT]: sizes };
  return engine.inputs.map((i) => {
    const data = byName[i.name];
    if (!data)
      throw new YhcError('USAGE', `this frames-in build has an input ${q(i.name)} yhc detect cannot fill (it fills ${FRAMES_INPUT} and ${FRAME_SIZE_INPUT})`);
    return data;
  });
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
  const frames = engine.manifest.frames;
  const size = frames ? 0 : networkSize(engine.inputs);
  const layout = detectionLayout(engine.outputs);
  const names = engine.classNames;
  const max = engine.manifest.batch;
  const plane = 3 * size * size;
  const results: ImageDetections[] = [];
  for (let start = 0; start < files.length; start += max) {
    const chunk = files.slice(start, start + max);
    const images = chunk.map(readImage);
    const batch = engine.manifest.dynamicBatch ? chunk.length : max;
    let outputs: TypedArray[];
    if (frames) {
      outputs = engine.runPositional(frameInputs(engine, frames, chunk, images, batch), undefined, batch);
    } else {
      const input = new Float32Array(batch * plane);
      images.forEach((img, b) => input.set(letterbox({ data: img.data, width: img.width, height: img.height, order: 'rgb' }, size), b * plane));
      outputs = engine.runPositional([input], undefined, batch);
    }
    images.forEach((img, b) => {
      const rows = detectionRows(layout, outputs, b);
      // A frames-in build maps boxes to frame pixels itself (its boxes_to_frame kernel).
      const mapped = frames ? rows : boxesToFrame(rows, letterboxGeometry(img.width, img.height, size), { stride: 6 });
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
