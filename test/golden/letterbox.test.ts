import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import { frameInputs, letterboxedImages, referenceInFrames, type FrameSize } from '../../src/check/frames.js';
import { runReference } from '../../src/check/oracle.js';
import { checkOutput } from '../../src/golden/check_output.js';
import { FP32_RTOL } from '../../src/golden/compare.js';
import type { Manifest } from '../../src/manifest.js';
import type { FrameInput } from '../../passes/letterbox_input.js';
import { withEngine } from '../helpers/golden.js';
import { readFloats } from '../helpers/tensors.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';

/**
 * --input-format rgb8|bgr8 end to end on the host target (docs/golden_rules.md, "Frames in"):
 * uint8 frames of several sizes and aspect ratios through the engine — the letterbox inside the
 * stem conv's load, boxes mapped back to frame pixels — against the reference letterbox
 * (src/preprocess/letterbox.ts, bit-exact with cv2) + onnxruntime on the float model + the same
 * inverse mapping, by the usual fp32 rules (detections: rows matched, 1e-4 of the largest box
 * coordinate; dense: 1e-4 of the largest value).
 */
const { dir, cleanup } = tempDir('yhc-letterbox-');
afterAll(cleanup);

/** Run the engine on frames of these sizes (one per image) and compare every output with the reference. */
async function expectFramesMatch(model: string, size: number, outDir: string, manifest: Manifest, frame: FrameInput, sizes: FrameSize[], seed: number) {
  const { frames, frameSize } = frameInputs(frame, sizes, seed);
  const outputs = await withEngine(outDir, (engine) => engine.run({ frames, frame_size: frameSize }, { batch: sizes.length }));
  // onnxruntime runs the batch-1 export one image at a time.
  for (let n = 0; n < sizes.length; n++) {
    const one = frameSize.subarray(2 * n, 2 * n + 2);
    const perImage = frames.length / sizes.length;
    const images = letterboxedImages(frame, frames.subarray(n * perImage, (n + 1) * perImage), one, size);
    const ref = referenceInFrames(await runReference(model, { images: { dtype: 'float32', shape: [1, 3, size, size], data: images } }), one, size);
    for (const info of manifest.outputs) {
      const all = outputs[info.name]! as Float32Array;
      const per = all.length / sizes.length;
      const got = all.subarray(n * per, (n + 1) * per);
      const check = checkOutput({ ...info, shape: [1, ...info.shape.slice(1)] }, got, ref[info.name]!, FP32_RTOL);
      expect(check.ok, `${info.name} of a ${sizes[n]!.join('x')} frame: ${check.detail}`).toBe(true);
    }
  }
}

describe('yolov10n_e2e_320 on rgb8 frames up to 640x480 (fp32, host emulation)', () => {
  const model = join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.onnx');
  const outDir = join(dir, 'v10');
  const frame: FrameInput = { format: 'rgb8', width: 640, height: 480 };
  let manifest: Manifest;
  beforeAll(async () => {
    ({ manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, frame }));
  }, 900_000);

  it('takes frames and frame_size and writes no float image tensor', () => {
    expect(manifest.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([
      ['frames', 'uint8', [1, 480, 640, 3]],
      ['frame_size', 'int32', [1, 2]],
    ]);
    const stem = manifest.kernels.find((k) => k.nodes.some((n) => n.opType === 'Letterbox'))!;
    expect(stem.template).toBe('conv2d_tiled.cuh');
    expect(manifest.kernels.filter((k) => k.template === 'letterbox.cuh').map((k) => k.nodes[0]!.opType)).toEqual(['BoxesToFrame']);
  });

  // Landscape at exactly half (cv2's INTER_AREA path), portrait, a landscape strip, smaller than
  // 320, odd sizes, and a single pixel.
  const cases: FrameSize[] = [
    [640, 480],
    [300, 480],
    [501, 167],
    [123, 77],
    [37, 23],
    [1, 1],
  ];
  for (const size of cases) {
    it(`matches the reference letterbox + onnxruntime on a ${size.join('x')} frame`, async () => {
      await expectFramesMatch(model, 320, outDir, manifest, frame, [size], size[0] * 7 + size[1]);
    }, 300_000);
  }

  it('matches on the recorded image as a 320x320 frame (real detections: neither scaled nor padded)', async () => {
    const planes = readFloats(join(REPO, 'test', 'data', 'models', 'yolov10n_e2e_320.input.images.bin'));
    const frames = new Uint8Array(480 * 640 * 3);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 320 * 320; i++) frames[(Math.floor(i / 320) * 640 + (i % 320)) * 3 + c] = Math.round(planes[c * 320 * 320 + i]! * 255);
    const got = await withEngine(outDir, (engine) => engine.run({ frames, frame_size: Int32Array.from([320, 320]) }).output0 as Float32Array);
    const images = letterboxedImages(frame, frames, Int32Array.from([320, 320]), 320);
    const ref = referenceInFrames(
      await runReference(model, { images: { dtype: 'float32', shape: [1, 3, 320, 320], data: images } }),
      Int32Array.from([320, 320]),
      320,
    );
    const check = checkOutput({ name: 'output0', dtype: 'float32', shape: [1, 300, 6], bytes: 300 * 6 * 4 }, got, ref.output0!, FP32_RTOL);
    expect(check.ok, check.detail).toBe(true);
    // A frame the size of the network input is neither scaled nor padded: boxes come back as they are, clipped.
    expect(Math.max(...Array.from({ length: 300 }, (_, k) => got[6 * k + 4]!))).toBeGreaterThan(0.25);
  }, 300_000);
});

describe('a raw [B, 4 + nc, A] head at batch 2 on bgr8 frames (tiny_raw, fp32, host emulation)', () => {
  const model = join(REPO, 'test', 'data', 'letterbox', 'tiny_raw.onnx');
  const outDir = join(dir, 'raw');
  const frame: FrameInput = { format: 'bgr8', width: 90, height: 70 };
  let manifest: Manifest;
  beforeAll(async () => {
    ({ manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, frame, batch: 2 }));
  }, 600_000);

  it('maps cx, cy, w, h rows of both images, each by its own frame size; a run of one image too', async () => {
    await expectFramesMatch(
      model,
      32,
      outDir,
      manifest,
      frame,
      [
        [90, 70],
        [13, 69],
      ],
      1,
    );
    await expectFramesMatch(
      model,
      32,
      outDir,
      manifest,
      frame,
      [
        [64, 64],
        [90, 3],
      ],
      2,
    );
    await expectFramesMatch(model, 32, outDir, manifest, frame, [[45, 35]], 3);
  }, 300_000);
});
