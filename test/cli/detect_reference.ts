import { join } from 'node:path';
import { runReference } from '../../src/check/oracle.js';
import type { RgbImage } from '../../src/image/rgb_image.js';
import { boxesToFrame, letterbox, letterboxGeometry } from '../../src/preprocess/letterbox.js';
import { REPO } from '../helpers/paths.js';

/** The model `yhc detect`'s tests build (YOLOv10-N at 320, detections [1, 300, 6]). */
export const MODEL_320 = join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx');
export const SIZE = 320;

/** The JSON document `yhc detect` writes. */
export interface DetectDoc {
  build: string;
  conf: number;
  images: {
    file: string;
    width: number;
    height: number;
    annotated: string;
    detections: { box: [number, number, number, number]; score: number; class_id: number; class_name: string }[];
  }[];
}

/**
 * onnxruntime's detections for one image, in its pixels: the reference letterbox of its pixels
 * (src/preprocess/letterbox.ts), the float model on onnxruntime, the boxes mapped back by
 * boxesToFrame — rows of 6, [300 * 6].
 */
export async function referenceDetections(image: RgbImage): Promise<Float32Array> {
  const input = letterbox({ data: image.data, width: image.width, height: image.height, order: 'rgb' }, SIZE);
  const out = await runReference(MODEL_320, { images: { dtype: 'float32', shape: [1, 3, SIZE, SIZE], data: input } });
  return boxesToFrame(out.output0!.data as Float32Array, letterboxGeometry(image.width, image.height, SIZE), { stride: 6 });
}

/** One image's detections from the JSON document as rows of 6 (x1, y1, x2, y2, score, class). */
export function rowsOf(image: DetectDoc['images'][number]): Float32Array {
  return Float32Array.from(image.detections.flatMap((d) => [...d.box, d.score, d.class_id]));
}
