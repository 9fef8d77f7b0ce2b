import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { Target } from '../../codegen/toolchain/build.js';
import { compileModel, type CompileProgress } from '../compile.js';
import { loadDecodedModel } from '../decode.js';
import { loadModel } from '../onnx/load.js';
import type { DecodeOptions } from '../onnx/decode_options.js';
import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import { checkOutput, type OutputCheck } from '../golden/check_output.js';
import { FP16_RTOL, FP32_RTOL, NUM_DETS_OUTPUT } from '../golden/compare.js';
import { checkNumDets, detectionsOf, thresholdReference, type Reference } from '../golden/num_dets.js';
import { randomInputs } from '../golden/random_inputs.js';
import { tensorInfo, type TensorInfo } from '../ir/tensor_info.js';
import { Engine } from '../runtime/engine.js';
import { allocateTypedArray, type TypedArray } from '../typed_arrays.js';
import type { Precision } from '../../codegen/precision.js';
import { readInputDir } from './inputs.js';
import { runReference } from './oracle.js';
import { referenceModel } from './reference_model.js';

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
  /** The checked host build (`--check`, docs/checker.md): a checker report fails the run. */
  readonly check?: boolean;
  /** Keep the build here instead of a temporary directory. */
  readonly outDir?: string;
  readonly cacheDir?: string;
  readonly onProgress?: (event: CompileProgress) => void;
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
    options.inputs ?? (options.inputsDir ? readInputDir(options.inputsDir, infos, basename(modelPath, extname(modelPath))) : randomInputs(infos, seed));
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
      ...(options.check ? { check: true } : {}),
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
    const refModel = decoded ? referenceModel(decoded) : null;
    const raw = await runReference(refModel ? refModel.bytes() : modelPath, feeds);
    // --decode nms: onnxruntime's NonMaxSuppression triples, assembled into the engine's outputs.
    const assembled = (refModel?.assemble ? refModel.assemble(raw) : raw) as Reference;
    const reference = options.conf !== undefined ? thresholdReference(assembled, options.conf) : assembled;
    const checks = manifest.outputs.map((info, i) => {
      const ref = reference[info.name];
      if (!ref) throw new YhcError('RUNTIME', `onnxruntime produced no output ${q(info.name)}`);
      if (info.name === NUM_DETS_OUTPUT && options.conf !== undefined)
        return checkNumDets(info, outputs[i]!, ref, detectionsOf(assembled)[1], options.conf, rtol);
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
