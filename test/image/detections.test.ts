import { describe, expect, it } from 'vitest';
import { float32Text, networkSize } from '../../src/image/detect.js';
import { detectionLayout, detectionRows } from '../../src/image/detections.js';
import type { TensorInfo } from '../../src/manifest.js';

/** Which outputs of a build `yhc detect` reads its detections from, and how. */
const t = (name: string, dtype: string, shape: number[]): TensorInfo => ({ name, dtype, shape, bytes: shape.reduce((a, b) => a * b, 4) }) as TensorInfo;

describe('detection outputs', () => {
  it('reads_detections_rows_up_to_num_dets', () => {
    const layout = detectionLayout([t('detections', 'float32', [2, 3, 6]), t('num_dets', 'int32', [2])]);
    const dets = Float32Array.from({ length: 36 }, (_, i) => i);
    expect(Array.from(detectionRows(layout, [dets, Int32Array.from([2, 0])], 0))).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(detectionRows(layout, [dets, Int32Array.from([2, 0])], 1)).toHaveLength(0);
    // Without num_dets every row is a detection.
    const plain = detectionLayout([t('output0', 'float32', [2, 3, 6])]);
    expect(Array.from(detectionRows(plain, [dets], 1))).toEqual(Array.from({ length: 18 }, (_, i) => 18 + i));
  });

  it('reads_efficientnms_outputs_as_detection_rows', () => {
    const layout = detectionLayout([
      t('num_detections', 'int32', [1, 1]),
      t('detection_boxes', 'float32', [1, 2, 4]),
      t('detection_scores', 'float32', [1, 2]),
      t('detection_classes', 'int32', [1, 2]),
    ]);
    const rows = detectionRows(
      layout,
      [Int32Array.from([1]), Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), Float32Array.from([0.9, 0.1]), Int32Array.from([7, 2])],
      0,
    );
    expect(Array.from(rows)).toEqual([1, 2, 3, 4, Math.fround(0.9), 7]);
  });

  it('refuses_a_raw_head_saying_to_compile_with_decode', () => {
    expect(() => detectionLayout([t('output0', 'float32', [1, 84, 8400])])).toThrow(
      'this build outputs raw predictions "output0" float32[1, 84, 8400] ([B, 4+nc, anchors]), not detections; compile the model with --decode nms (YOLOv8/YOLO11 heads) or --decode yolov10 (a one-to-one head) so the engine outputs detections',
    );
    expect(() => detectionLayout([t('a', 'float32', [1, 10]), t('b', 'float32', [1, 10])])).toThrow(
      'yhc detect needs a build whose outputs are detections [B, K, 6] float32 (+ num_dets) or --outputs efficientnms; this one outputs "a" float32[1, 10], "b" float32[1, 10]',
    );
  });

  it('takes_one_square_float_image_input', () => {
    expect(networkSize([t('images', 'float32', [4, 3, 640, 640])])).toBe(640);
    expect(() => networkSize([t('images', 'float32', [1, 3, 384, 640])])).toThrow(
      'this build takes "images" float32[1, 3, 384, 640], a non-square input; yhc detect letterboxes into a square S x S input',
    );
    expect(() => networkSize([t('images', 'uint8', [1, 640, 640, 3])])).toThrow('this build takes "images" uint8[1, 640, 640, 3]; yhc detect runs builds');
  });

  it('writes_the_shortest_decimal_of_each_float32', () => {
    for (const x of [0.9999998807907104, Math.fround(0.1), Math.fround(123.456), 0, 451, Math.fround(1e-7)]) {
      expect(Math.fround(float32Text(x))).toBe(x);
      expect(
        String(float32Text(x))
          .replace(/^0\.|e.*$|\./g, '')
          .replace(/^0+/, '').length,
      ).toBeLessThanOrEqual(9);
    }
    expect(float32Text(Math.fround(0.1))).toBe(0.1);
    expect(float32Text(0.9999998807907104)).toBe(0.9999999);
  });
});
