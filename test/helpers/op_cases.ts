import { join } from 'node:path';
import { expect } from 'vitest';
import { poisonedOutputs } from '../../src/check/check.js';
import { compareDense } from '../../src/golden/compare.js';
import { runReference } from '../../src/check/oracle.js';
import { compileModel } from '../../src/compile.js';
import { runGraph } from '../../src/interp/interpreter.js';
import { loadModel } from '../../src/onnx/load.js';
import { typedArrayOf, type TypedArray } from '../../src/typed_arrays.js';
import type { Tensor } from '../../src/tensor.js';
import { withEngine } from './golden.js';
import type { GraphBuilder } from './graph_builder.js';
import { writeModel } from './models.js';
import { TEST_CACHE } from './paths.js';

/** One output of an op-case model: the engine's numbers, the interpreter's and onnxruntime's. */
export interface CaseResult {
  readonly mine: number[];
  readonly definition: number[];
  readonly reference: number[];
}

const numbers = (a: ArrayLike<number | bigint> | TypedArray): number[] => Array.from(a as ArrayLike<number | bigint>, Number);

/**
 * A kernel's cases as one model (one graph output per case), built once for the host target
 * without passes (each ONNX op lowers to its own kernel), run on `inputs` by the engine (outputs
 * poisoned first), by the interpreter (the definition) and by onnxruntime. Returns the results by
 * output name and the templates the build instantiated.
 */
export async function runOpCases(
  dir: string,
  name: string,
  b: GraphBuilder,
  inputs: Record<string, Tensor>,
): Promise<{ results: Record<string, CaseResult>; templates: string[] }> {
  const model = writeModel(dir, `${name}.onnx`, b.spec());
  const outDir = join(dir, name);
  const { manifest } = await compileModel(model, { outDir, target: 'host', cacheDir: TEST_CACHE, passes: false });
  const order = manifest.inputs.map((i) => inputs[i.name]!);
  const got = await withEngine(outDir, (engine) => engine.runPositional(order.map(typedArrayOf), poisonedOutputs(engine.outputs)));
  const interp = runGraph(loadModel(model), inputs);
  const ort = await runReference(
    model,
    Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, data: typedArrayOf(t) }])),
  );
  const results: Record<string, CaseResult> = {};
  manifest.outputs.forEach((o, i) => {
    results[o.name] = { mine: numbers(got[i]!), definition: numbers(interp[o.name]!.data), reference: numbers(ort[o.name]!.data) };
  });
  return { results, templates: manifest.kernels.map((k) => k.template) };
}

/** The engine's output equals the interpreter's and onnxruntime's (1e-4 relative; NaN only where they have NaN). */
export function expectCaseMatches(r: CaseResult | undefined): void {
  expect(r).toBeDefined();
  const { mine, definition, reference } = r!;
  expect(mine.length).toBe(definition.length);
  expect(compareDense(mine, definition).ok, `engine vs interpreter: ${mine.slice(0, 8)} vs ${definition.slice(0, 8)}`).toBe(true);
  expect(compareDense(mine, reference).ok, `engine vs onnxruntime: ${mine.slice(0, 8)} vs ${reference.slice(0, 8)}`).toBe(true);
}
