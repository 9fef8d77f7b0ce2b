import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import type { Manifest } from '../../src/manifest.js';
import { expectMatchesPerImage, randomInputs, withEngine } from '../helpers/golden.js';
import { REPO, TEST_CACHE, tempDir } from '../helpers/paths.js';
import { readFloats } from '../helpers/tensors.js';

/**
 * The static batch-1 YOLOv10-N export at 320 compiled with --batch 2 (re-batched,
 * src/onnx/rebatch.ts) for the host target in fp32: two different images (the recorded one and a
 * seeded random one) in one run, each compared with onnxruntime running the original batch-1
 * model on that image alone (the 1e-4 rule); then a run of 1 image on the same engine. Concat
 * and Split are channel-range views at batch 2 (every kernel takes a range's image stride); fp16
 * storage too (the 1e-2 rule).
 * The 640 fixtures at batch 2: test/golden/models_640.test.ts.
 */
const MODELS = join(REPO, 'test', 'data', 'models');
const NAME = 'yolov10n_e2e_320';
const model = join(MODELS, `${NAME}.onnx`);
const floats = readFloats;

const { dir, cleanup } = tempDir('yhc-models-batch-');
afterAll(cleanup);
const outDir = join(dir, NAME);
let manifest: Manifest;

beforeAll(async () => {
  ({ manifest } = await compileModel(model, { outDir, target: 'host', batch: 2, cacheDir: TEST_CACHE }));
}, 600_000);

describe(`${NAME} --batch 2 (fp32, host emulation)`, () => {
  const recorded = floats(join(MODELS, `${NAME}.input.images.bin`));
  const random = () => randomInputs([{ ...manifest.inputs[0]!, shape: [1, 3, 320, 320], bytes: recorded.byteLength }], 5)['images'] as Float32Array;

  it('is re-batched to 2 images with a dynamic batch', () => {
    expect(manifest.inputs[0]!.shape).toEqual([2, 3, 320, 320]);
    expect(manifest.outputs[0]!.shape).toEqual([2, 300, 6]);
    expect(manifest.dynamicBatch).toBe(true);
  });

  it('runs no kernel for Concat or Split at batch 2 (channel-range views with image strides)', () => {
    const kernelsOf = (op: string) => manifest.kernels.filter((k) => k.nodes.some((n) => n.opType === op));
    expect(kernelsOf('Concat')).toEqual([]);
    expect(kernelsOf('Split')).toEqual([]);
    expect(kernelsOf('Resize')).toEqual([]);
  });

  it('matches onnxruntime per image on the recorded and a seeded random image in one run', async () => {
    await withEngine(outDir, (engine) => expectMatchesPerImage(model, engine, 'images', [recorded, random()]));
  });

  it('runs 1 image on the batch-2 engine', async () => {
    await withEngine(outDir, (engine) => expectMatchesPerImage(model, engine, 'images', [random()]));
  });
});

describe(`${NAME} --batch 2 (fp16 storage, host emulation)`, () => {
  const fp16Dir = join(dir, `${NAME}_fp16`);
  beforeAll(async () => {
    await compileModel(model, { outDir: fp16Dir, target: 'host', batch: 2, precision: 'fp16', cacheDir: TEST_CACHE });
  }, 600_000);
  const recorded = floats(join(MODELS, `${NAME}.input.images.bin`));

  it('matches onnxruntime per image (1e-2 rule) with 2 images, then with 1', async () => {
    const random = randomInputs([{ ...manifest.inputs[0]!, shape: [1, 3, 320, 320], bytes: recorded.byteLength }], 6)['images'] as Float32Array;
    await withEngine(fp16Dir, (engine) => expectMatchesPerImage(model, engine, 'images', [recorded, random]));
    await withEngine(fp16Dir, (engine) => expectMatchesPerImage(model, engine, 'images', [random]));
  });
});
