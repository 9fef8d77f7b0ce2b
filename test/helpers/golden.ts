import { join } from 'node:path';
import { expect } from 'vitest';
import { poisonedOutputs } from '../../src/check/check.js';
import { checkOutput } from '../../src/golden/check_output.js';
import { FP16_RTOL, FP16_SCORE_RTOL, FP32_RTOL } from '../../src/golden/compare.js';
import { randomInputs } from '../../src/golden/random_inputs.js';
import { runReference } from '../../src/check/oracle.js';
import type { DType } from '../../src/dtype.js';
import type { Manifest } from '../../src/manifest.js';
import { Engine } from '../../src/runtime/engine.js';
import type { TypedArray } from '../../src/typed_arrays.js';
import { FIXTURES, fixture } from './paths.js';
import { readFloats } from './tensors.js';

/** The recorded inputs of a fixture (raw float32 .bin files), in manifest order. */
export function recordedInputs(name: string, manifest: Manifest): Record<string, TypedArray> {
  return Object.fromEntries(
    manifest.inputs.map((i) => {
      return [i.name, readFloats(join(FIXTURES, `${name}.input.${i.name}.bin`))];
    }),
  );
}

export { randomInputs };

/**
 * Run the engine (outputs poisoned first) and onnxruntime on the original model with the same
 * inputs; every output must pass the golden rules (docs/golden_rules.md: 1e-4 relative; fp16 storage 1e-2, detection scores 3e-2).
 */
export async function expectMatchesOnnxRuntime(modelPath: string, engine: Engine, inputs: Record<string, TypedArray>): Promise<void> {
  const m = engine.manifest;
  const outputs = engine.runPositional(
    m.inputs.map((i) => inputs[i.name]!),
    poisonedOutputs(m.outputs),
  );
  const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: inputs[i.name]! }]));
  const ref = await runReference(modelPath, feeds);
  m.outputs.forEach((info, k) => {
    const fp16 = m.precision.storage === 'fp16';
    const result = checkOutput(info, outputs[k]!, ref[info.name]!, fp16 ? FP16_RTOL : FP32_RTOL, fp16 ? FP16_SCORE_RTOL : FP32_RTOL);
    expect(result.ok, `${info.name}: ${result.detail}`).toBe(true);
  });
}

export { fixture };

/** Load the engine of a build directory, hand it to `use`, and dispose of it whatever happens. */
export async function withEngine<T>(outDir: string, use: (engine: Engine) => Promise<T> | T): Promise<T> {
  const engine = Engine.load(outDir);
  try {
    return await use(engine);
  } finally {
    engine.dispose();
  }
}

/**
 * A static batch-1 model compiled with `--batch N` (re-batched): run the engine on `images`
 * (n ≤ N images of one input, outputs poisoned) with `{ batch: n }`, and compare each image's
 * outputs with onnxruntime running the ORIGINAL batch-1 model on that image alone.
 */
export async function expectMatchesPerImage(modelPath: string, engine: Engine, input: string, images: readonly Float32Array[]): Promise<void> {
  const m = engine.manifest;
  const n = images.length;
  const all = new Float32Array(images.reduce((k, a) => k + a.length, 0));
  images.forEach((a, b) => all.set(a, b * a.length));
  const ofBatch = m.outputs.map((o) => ({ ...o, shape: [n, ...o.shape.slice(1)] }));
  const outputs = engine.runPositional([all], poisonedOutputs(ofBatch), n);
  for (let b = 0; b < n; b++) {
    const shape = [1, ...m.inputs[0]!.shape.slice(1)];
    const ref = await runReference(modelPath, { [input]: { dtype: 'float32', shape, data: images[b]! } });
    m.outputs.forEach((info, k) => {
      const per = outputs[k]!.length / n;
      const one = { ...info, shape: [1, ...info.shape.slice(1)], bytes: info.bytes / m.batch };
      const fp16 = m.precision.storage === 'fp16';
      const got = outputs[k]!.subarray(b * per, (b + 1) * per);
      const result = checkOutput(one, got, ref[info.name]!, fp16 ? FP16_RTOL : FP32_RTOL, fp16 ? FP16_SCORE_RTOL : FP32_RTOL);
      expect(result.ok, `image ${b} of ${n}, ${info.name}: ${result.detail}`).toBe(true);
    });
  }
}
