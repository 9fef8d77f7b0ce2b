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
  /** `--conf T`: the engine thresholds its detections; the reference's are thresholded the same way here. */
  readonly conf?: number;
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

type Reference = Record<string, { dims: readonly number[]; data: TypedArray }>;

const NUM_DETS = 'num_dets';

/** The reference's detections output [B, K, 6], by name. */
function detectionsOf(reference: Reference): [string, Reference[string]] {
  const entry = Object.entries(reference).find(([, r]) => looksLikeDetections(r.dims, 'float32'));
  if (!entry) throw new YhcError('RUNTIME', 'onnxruntime produced no detections [B, K, 6] to apply --conf to');
  return entry;
}

/**
 * What `--conf T` does, applied to onnxruntime's detections [B, K, 6] (the original model has no
 * threshold): rows scoring under T (or NaN) become zeros, and num_dets counts the rest.
 */
export function thresholdReference(reference: Reference, conf: number): Reference {
  const [name, r] = detectionsOf(reference);
  const [batch, k] = [r.dims[0]!, r.dims[1]!];
  const data = Float32Array.from(r.data as Float32Array);
  const numDets = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let row = 0; row < k; row++) {
      const o = (b * k + row) * 6;
      if (data[o + 4]! >= conf) numDets[b]!++;
      else data.fill(0, o, o + 6);
    }
  }
  return { ...reference, [name]: { dims: r.dims, data }, [NUM_DETS]: { dims: [batch], data: numDets } };
}

/**
 * num_dets: equal to the reference's count, give or take the rows of the reference's detections
 * (before thresholding) that score within tolerance of the threshold.
 */
function checkNumDets(info: TensorInfo, got: TypedArray, ref: { data: TypedArray }, detections: Reference[string], conf: number, rtol: number): OutputCheck {
  const k = detections.dims[1]!;
  const rows = detections.data as Float32Array;
  const tolerance = rtol * Math.max(1, conf);
  let worst = 0;
  let ok = true;
  for (let b = 0; b < ref.data.length; b++) {
    let near = 0;
    for (let row = 0; row < k; row++) if (Math.abs(rows[(b * k + row) * 6 + 4]! - conf) <= tolerance) near++;
    const diff = Math.abs(Number(got[b]) - Number(ref.data[b]));
    worst = Math.max(worst, diff);
    if (diff > near) ok = false;
  }
  const detail = ok ? `counts match (max difference ${worst}, within the rows at the threshold)` : `image counts ${Array.from(got as Int32Array).join(', ')}, expected ${Array.from(ref.data as Int32Array).join(', ')}`;
  return { name: info.name, dtype: info.dtype, shape: info.shape, rule: 'dense', maxAbs: worst, maxRel: worst, tolerance: 0, ok, detail };
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
      ...(options.conf !== undefined ? { conf: options.conf } : {}),
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
    const rtol = precision === 'fp16' ? FP16_RTOL : FP32_RTOL;
    const raw = await runReference(decoded ? decoded.referenceBytes() : modelPath, feeds);
    // --decode nms: onnxruntime's NonMaxSuppression triples, assembled into the engine's outputs.
    const assembled = (decoded?.assembleReference ? decoded.assembleReference(raw) : raw) as Reference;
    const reference = options.conf !== undefined ? thresholdReference(assembled, options.conf) : assembled;
    const checks = manifest.outputs.map((info, i) => {
      const ref = reference[info.name];
      if (!ref) throw new YhcError('RUNTIME', `onnxruntime produced no output ${q(info.name)}`);
      if (info.name === NUM_DETS && options.conf !== undefined) return checkNumDets(info, outputs[i]!, ref, detectionsOf(assembled)[1], options.conf, rtol);
      return checkOutput(info, outputs[i]!, ref, rtol);
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
