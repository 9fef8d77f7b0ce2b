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
import { FP16_RTOL, FP16_SCORE_RTOL, FP32_RTOL, NUM_DETS_OUTPUT } from '../golden/compare.js';
import { checkNumDets, detectionsOf, thresholdReference, type Reference } from '../golden/num_dets.js';
import { randomInputs } from '../golden/random_inputs.js';
import { tensorInfo, type TensorInfo } from '../ir/tensor_info.js';
import { Engine } from '../runtime/engine.js';
import { allocateTypedArray, type TypedArray } from '../typed_arrays.js';
import type { Precision } from '../../codegen/precision.js';
import { readInputDir } from './inputs.js';
import { runReference } from './oracle.js';
import { referenceModel } from './reference_model.js';
import { assembleEfficientNms } from './efficientnms.js';
import type { OutputFormat } from '../../passes/efficientnms_outputs.js';
import { perImageReference } from './per_image.js';
import { dequantize, quantizedNodes } from '../../passes/dequantize.js';
import { runPipeline } from '../../passes/index.js';
import { cloneGraph } from '../ir/clone.js';
import { encodeModel, graphToModelSpec } from '../onnx/write.js';
import { detectionShift, type DetectionShift } from '../golden/detection_shift.js';
import { checkQuantizedOutput } from '../golden/quantized.js';
import { compareDense, looksLikeDetections, type DenseComparison } from '../golden/compare.js';
import type { ReferenceInput } from './oracle.js';

export interface CheckOptions {
  readonly target?: Target;
  readonly arch?: readonly string[];
  readonly batch?: number;
  /** Storage precision of the build; fp16 is compared at 1e-2 relative instead of 1e-4. */
  readonly precision?: Precision;
  /** `--conf T`: the engine thresholds its detections; the reference's are thresholded the same way here. */
  readonly conf?: number;
  /** `--outputs efficientnms`: the engine's four outputs are put back into detections to compare. */
  readonly outputs?: OutputFormat;
  /** Passes not to run (`--skip-pass`): e.g. the decoder as generic kernels. */
  readonly skipPasses?: readonly string[];
  /** Append a postprocess to a raw-output model; onnxruntime runs the same extended model. */
  readonly decode?: DecodeOptions;
  /** `--dequantize`: the engine runs the quantized model in float; onnxruntime still runs it quantized. */
  readonly dequantize?: boolean;
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
  /**
   * With --dequantize: the outputs were compared with onnxruntime running the dequantized graph
   * (float, the rule above); this is how far each detections output moved from onnxruntime's
   * int8 result on the original model (graph optimizations off).
   */
  readonly dequantized?: readonly Int8Distance[];
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
  // A quantized model's reference runs the ONNX semantics op by op (docs/golden_rules.md).
  const quantized = quantizedNodes(graph).length > 0;
  if (options.dequantize && options.decode) throw new YhcError('USAGE', '--dequantize cannot be combined with --decode in yhc check');
  // --dequantize: the float graph the engine runs is the reference, as ONNX for onnxruntime.
  const dequantizedGraph = options.dequantize ? cloneGraph(graph) : null;
  if (dequantizedGraph) runPipeline(dequantizedGraph, [dequantize]);
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
      ...(options.outputs ? { outputs: options.outputs } : {}),
      ...(options.skipPasses ? { skipPasses: options.skipPasses } : {}),
      ...(options.dequantize ? { dequantize: true } : {}),
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
    const scoreRtol = precision === 'fp16' ? FP16_SCORE_RTOL : FP32_RTOL;
    // A re-batched static export (graph.staticBatch): onnxruntime runs the original model per image.
    const perImage = graph.staticBatch !== null && (options.batch ?? 1) > 1;
    const refModel = decoded ? referenceModel(perImage && decoded.nms ? { ...decoded, nms: { ...decoded.nms, batch: 1 } } : decoded) : null;
    // --dequantize: onnxruntime runs the float graph the engine runs; a quantized model otherwise runs op by op.
    const refBytes = dequantizedGraph ? encodeModel(graphToModelSpec(dequantizedGraph)) : refModel ? refModel.bytes() : null;
    const refOptions = quantized && !dequantizedGraph ? { optimizations: 'disabled' as const } : {};
    // --decode nms: onnxruntime's NonMaxSuppression triples, assembled into the engine's outputs.
    const reference1 = async (f: typeof feeds) => {
      const raw = await runReference(refBytes ?? modelPath, f, refOptions);
      return (refModel?.assemble ? refModel.assemble(raw) : raw) as Reference;
    };
    const assembled = perImage ? await perImageReference(feeds, options.batch!, reference1) : await reference1(feeds);
    const thresholded = options.conf !== undefined ? thresholdReference(assembled, options.conf) : assembled;
    const compared =
      options.outputs === 'efficientnms'
        ? assembleEfficientNms(manifest.outputs, outputs, thresholded)
        : { infos: manifest.outputs, outputs, reference: thresholded };
    const reference = compared.reference;
    outputs = compared.outputs;
    const checks = compared.infos.map((info, i) => {
      const ref = reference[info.name];
      if (!ref) throw new YhcError('RUNTIME', `onnxruntime produced no output ${q(info.name)}`);
      if (info.name === NUM_DETS_OUTPUT && options.conf !== undefined)
        return checkNumDets(info, outputs[i]!, ref, detectionsOf(assembled)[1], options.conf, scoreRtol);
      const float = () => checkOutput(info, outputs[i]!, ref, rtol, scoreRtol);
      // Run in int8: the quantized whole-model rule (docs/golden_rules.md, "Quantized models").
      return quantized && !dequantizedGraph ? checkQuantizedOutput(info, outputs[i]!, ref, float) : float();
    });
    const dequantized = dequantizedGraph ? await int8Shift(modelPath, feeds, manifest.outputs, outputs) : undefined;
    return {
      ...(dequantized ? { dequantized } : {}),
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

/** How far one output of a --dequantize engine is from onnxruntime's int8 result: detections matched, or dense max abs / rel. */
export type Int8Distance = { readonly name: string; readonly shift: DetectionShift } | { readonly name: string; readonly dense: DenseComparison };

/** How far each output of a --dequantize engine moved from onnxruntime's int8 result. */
async function int8Shift(
  modelPath: string,
  feeds: Record<string, ReferenceInput>,
  infos: readonly TensorInfo[],
  outputs: readonly TypedArray[],
): Promise<Int8Distance[]> {
  const int8 = await runReference(modelPath, feeds, { optimizations: 'disabled' });
  return infos.flatMap((info, i): Int8Distance[] => {
    const ref = int8[info.name];
    if (!ref) return [];
    const got = outputs[i] as Float32Array;
    if (!looksLikeDetections(info.shape, info.dtype)) return [{ name: info.name, dense: compareDense(got, ref.data as Float32Array) }];
    return [{ name: info.name, shift: detectionShift(got, ref.data as Float32Array, info.shape) }];
  });
}
