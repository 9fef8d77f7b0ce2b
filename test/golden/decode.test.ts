import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poisonedOutputs } from '../../src/check/check.js';
import { referenceModel } from '../../src/check/reference_model.js';
import { checkOutput } from '../../src/golden/check_output.js';
import { runReference } from '../../src/check/oracle.js';
import { compileModel } from '../../src/compile.js';
import type { DType } from '../../src/dtype.js';
import { loadDecodedModel } from '../../src/decode.js';
import type { DecodeOptions } from '../../src/onnx/decode_options.js';
import { encodeModel } from '../../src/onnx/write.js';
import { Engine } from '../../src/runtime/engine.js';
import type { TypedArray } from '../../src/typed_arrays.js';
import { fixture, randomInputs, recordedInputs } from '../helpers/golden.js';
import { TEST_CACHE, tempDir } from '../helpers/paths.js';
import { GraphBuilder } from '../helpers/graph_builder.js';
import { SeededRandom } from '../../src/golden/random.js';
import { writeDecoder } from '../passes/decoder_graphs.js';

/**
 * Golden tests of the decoder kernels: `--decode yolov10 --max-det 20` on the raw-output
 * fixture, the engine (host target, CPU emulation) against onnxruntime running the SAME extended
 * model; and a small decoder alone, whose class logits can be made to tie exactly.
 */
const { dir, cleanup } = tempDir('yhc-golden-decode-');
afterAll(cleanup);

const decode: DecodeOptions = { format: 'yolov10', maxDet: 20 };

describe('tiny_head_raw --decode yolov10 --max-det 20', () => {
  const outDir = join(dir, 'tiny_head_raw_decoded');
  const reference = referenceModel(loadDecodedModel(fixture('tiny_head_raw'), { decode })).bytes();
  let engine: Engine;

  async function expectMatches(inputs: Record<string, TypedArray>): Promise<void> {
    const m = engine.manifest;
    const outputs = engine.runPositional(
      m.inputs.map((i) => inputs[i.name]!),
      poisonedOutputs(m.outputs),
    );
    const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: inputs[i.name]! }]));
    const ref = await runReference(reference, feeds);
    const result = checkOutput(m.outputs[0]!, outputs[0]!, ref['detections']!);
    expect(result.rule).toBe('detections');
    expect(result.ok, result.detail).toBe(true);
  }

  it('compiles for the host target into one YoloDecode', async () => {
    const { manifest } = await compileModel(fixture('tiny_head_raw'), { outDir, target: 'host', cacheDir: TEST_CACHE, decode });
    expect(manifest.outputs.map((o) => [o.name, o.shape])).toEqual([['detections', [1, 20, 6]]]);
    // Scores and box decode, then one selecting block per image and stage.
    expect(manifest.kernels.filter((k) => k.nodes.some((n) => n.opType === 'YoloDecode')).map((k) => k.id.replace(/^k\d+_/, ''))).toEqual([
      'yolodecode',
      'yoloselect',
      'yolodetections',
    ]);
    engine = Engine.load(outDir);
  });

  it('matches onnxruntime on the recorded inputs', async () => {
    await expectMatches(recordedInputs('tiny_head_raw', engine.manifest));
  });

  it('matches onnxruntime on random inputs (seed 18)', async () => {
    await expectMatches(randomInputs(engine.manifest.inputs, 18));
  });

  afterAll(() => engine?.dispose());
});

// A small decoder ending in detections (concat layout, batch 2) is test/codegen/kernels/yolo_decode.test.ts's
// 'max_det 5, batch 2' model, run there on these score sets and more; the preds layout is run here.
describe('a small decoder alone (preds)', () => {
  const model = join(dir, 'small_preds.onnx');
  const b = new GraphBuilder();
  writeDecoder(b, { layout: 'separate', output: 'preds' });
  writeFileSync(model, encodeModel(b.spec()));
  let engine: Engine;

  /** Box logits N(0,1); class logits from `cls`. */
  function inputs(seed: number, cls: (rng: SeededRandom) => number): Record<string, TypedArray> {
    const rng = new SeededRandom(seed);
    return Object.fromEntries(
      engine.manifest.inputs.map((i) => {
        const n = i.shape.reduce((x, y) => x * y, 1);
        return [i.name, Float32Array.from({ length: n }, () => (i.name.startsWith('cls') ? cls(rng) : rng.normal()))];
      }),
    );
  }

  async function expectSameAsOnnxRuntime(given: Record<string, TypedArray>): Promise<void> {
    const m = engine.manifest;
    const [got] = engine.runPositional(
      m.inputs.map((i) => given[i.name]!),
      poisonedOutputs(m.outputs),
    );
    const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: given[i.name]! }]));
    const ref = (await runReference(model, feeds))[m.outputs[0]!.name]!;
    const result = checkOutput(m.outputs[0]!, got!, ref);
    expect(result.ok, result.detail).toBe(true);
  }

  it('compiles for the host target', async () => {
    const { manifest } = await compileModel(model, { outDir: join(dir, 'small_preds'), target: 'host', cacheDir: TEST_CACHE });
    expect(manifest.kernels.map((k) => k.template)).toEqual(['yolo_decode.cuh']);
    engine = Engine.load(join(dir, 'small_preds'));
  });

  it('matches onnxruntime with every class score tied', async () => {
    await expectSameAsOnnxRuntime(inputs(21, () => 0.25));
  });

  it('matches onnxruntime with class logits from three values', async () => {
    await expectSameAsOnnxRuntime(inputs(22, (rng) => [-1.5, 0.5, 2][Math.floor(rng.uniform() * 3)]!));
  });

  it('matches onnxruntime on random inputs', async () => {
    await expectSameAsOnnxRuntime(inputs(23, (rng) => 3 * rng.normal()));
  });

  afterAll(() => engine?.dispose());
});
