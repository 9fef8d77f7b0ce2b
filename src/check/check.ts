import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { Target } from '../../codegen/build/build.js';
import { compileModel, tensorInfo, type CompileProgress } from '../compile.js';
import { loadModel } from '../onnx/load.js';
import { loadDecodedModel, type DecodeOptions } from '../onnx/yolo_postprocess.js';
import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import type { TensorInfo } from '../manifest.js';
import { Engine } from '../runtime/engine.js';
import { allocateTypedArray, type TypedArray } from '../runtime/typed_arrays.js';
import type { Precision } from '../../codegen/precision.js';
import { compareDense, compareDetections, FP16_RTOL, FP32_RTOL, looksLikeDetections } from './compare.js';
import { randomInputs, readInputDir } from './inputs.js';
import { runReference } from './oracle.js';

export interface CheckOptions {
  readonly target?: Target;
  readonly arch?: readonly string[];
  readonly batch?: number;
  /** Storage precision of the build; fp16 is compared at 1e-2 relative instead of 1e-4. */
  readonly precision?: Precision;
  /** Append a postprocess to a raw-output model; onnxruntime runs the same extended model. */
  readonly decode?: DecodeOptions;
  /** Directory with recorded inputs; otherwise seeded random inputs. */
  readonly inputsDir?: string;
  readonly inputs?: Record<string, TypedArray>;
  readonly seed?: number;
  /** Keep the build here instead of a temporary directory. */
  readonly outDir?: string;
  readonly cacheDir?: string;
  readonly onProgress?: (event: CompileProgress) => void;
}

export interface OutputCheck {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rule: 'dense' | 'detections';
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly tolerance: number;
  readonly ok: boolean;
  readonly detail: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly model: string;
  readonly target: Target;
  readonly precision: Precision;
  readonly inputs: string;
  readonly outputs: readonly OutputCheck[];
}

/** Poison output buffers so an element the engine never writes cannot pass by accident. */
export function poisonedOutputs(infos: readonly TensorInfo[]): TypedArray[] {
  return infos.map((info) => {
    const a = allocateTypedArray(info.dtype as DType, info.shape);
    if (a instanceof Float32Array || a instanceof Float64Array) a.fill(NaN);
    else if (a instanceof BigInt64Array) a.fill(-0x5a5a5a5a5a5a5a5an);
    else if (a instanceof BigUint64Array) a.fill(0xa5a5a5a5a5a5a5a5n);
    else a.fill(0xa5);
    return a;
  });
}

const toNumbers = (a: TypedArray): ArrayLike<number> =>
  a instanceof BigInt64Array || a instanceof BigUint64Array ? Array.from(a, Number) : a;

/** Compare one engine output with the reference by the rule its shape calls for. */
export function checkOutput(info: TensorInfo, got: TypedArray, ref: { dims: readonly number[]; data: TypedArray }, rtol = FP32_RTOL): OutputCheck {
  const base = { name: info.name, dtype: info.dtype, shape: info.shape };
  if (ref.dims.join(',') !== info.shape.join(',')) {
    return { ...base, rule: 'dense', maxAbs: Infinity, maxRel: Infinity, tolerance: 0, ok: false, detail: `reference shape is [${ref.dims.join(', ')}]` };
  }
  const dense = compareDense(toNumbers(got), toNumbers(ref.data), rtol);
  if (looksLikeDetections(info.shape, info.dtype)) {
    const det = compareDetections(toNumbers(got), toNumbers(ref.data), info.shape, rtol);
    const detail = det.ok
      ? `${det.matched}/${det.rows} rows matched${det.replacedAtCutoff ? `, ${det.replacedAtCutoff} replaced at the cut-off` : ''}; max score diff ${det.maxScoreDiff.toExponential(2)}, max box diff ${det.maxBoxDiff.toExponential(2)}`
      : det.problem!;
    return { ...base, rule: 'detections', maxAbs: dense.maxAbs, maxRel: dense.maxRel, tolerance: det.scoreTolerance, ok: det.ok, detail };
  }
  const detail = dense.ok ? `max |diff| ${dense.maxAbs.toExponential(2)} <= ${dense.tolerance.toExponential(2)}` : `element ${dense.firstBad} is off: got ${toNumbers(got)[dense.firstBad]}, expected ${toNumbers(ref.data)[dense.firstBad]}`;
  return { ...base, rule: 'dense', maxAbs: dense.maxAbs, maxRel: dense.maxRel, tolerance: dense.tolerance, ok: dense.ok, detail };
}

/** Compile the model, run the engine, run onnxruntime on the original model, compare. */
export async function checkModel(modelPath: string, options: CheckOptions = {}): Promise<CheckReport> {
  const target = options.target ?? 'host';
  const precision = options.precision ?? 'fp32';
  // Import first: bad inputs are reported before minutes of compiling.
  const batch = options.batch !== undefined ? { batch: options.batch } : {};
  const decoded = options.decode ? loadDecodedModel(modelPath, { ...batch, decode: options.decode }) : null;
  const graph = decoded?.graph ?? loadModel(modelPath, batch);
  const infos = graph.inputs.map(tensorInfo);
  const seed = options.seed ?? 0;
  const inputs =
    options.inputs ??
    (options.inputsDir ? readInputDir(options.inputsDir, infos, basename(modelPath, extname(modelPath))) : randomInputs(infos, seed));
  const tmp = options.outDir ? null : mkdtempSync(join(tmpdir(), 'yhc-check-'));
  const outDir = options.outDir ?? join(tmp!, 'build');
  try {
    const { manifest } = await compileModel(modelPath, {
      graph,
      outDir,
      target,
      ...(options.arch ? { arch: options.arch } : {}),
      ...(options.batch !== undefined ? { batch: options.batch } : {}),
      ...(options.precision ? { precision: options.precision } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const engine = Engine.load(outDir);
    let outputs: TypedArray[];
    try {
      outputs = engine.runPositional(
        manifest.inputs.map((i) => inputs[i.name]!),
        poisonedOutputs(manifest.outputs),
      );
    } finally {
      engine.dispose();
    }
    const feeds = Object.fromEntries(manifest.inputs.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: inputs[i.name]! }]));
    const reference = await runReference(decoded ? decoded.referenceBytes() : modelPath, feeds);
    const checks = manifest.outputs.map((info, i) => {
      const ref = reference[info.name];
      if (!ref) throw new YhcError('RUNTIME', `onnxruntime produced no output ${q(info.name)}`);
      return checkOutput(info, outputs[i]!, ref, precision === 'fp16' ? FP16_RTOL : FP32_RTOL);
    });
    return {
      ok: checks.every((c) => c.ok),
      model: modelPath,
      target,
      precision,
      inputs: options.inputs ? 'given' : options.inputsDir ? `files in ${options.inputsDir}` : `random, seed ${seed}`,
      outputs: checks,
    };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
