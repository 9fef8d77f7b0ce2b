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
import { checkOutput, type OutputCheck, type ReferenceTensor } from '../golden/check_output.js';
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
import { checkQuantizedNumDets, checkQuantizedOutput } from '../golden/quantized.js';
import { compareDense, looksLikeDetections, type DenseComparison } from '../golden/compare.js';
import type { ReferenceInput } from './oracle.js';
import type { FrameInput } from '../../passes/letterbox_input.js';
import { checkFrameSizes, frameInputs, letterboxedImages, referenceInFrames } from './frames.js';
import { secondOpinion } from './second_opinion.js';

export interface CheckOptions {
  readonly target?: Target;
  readonly arch?: readonly string[];
  readonly batch?: number;
  /** Storage precision of the build; fp16 is compared at 1e-2 relative instead of 1e-4. */
  readonly precision?: Precision;
  /** `--conf T`: the engine thresholds its detections; the reference's are thresholded the same way here. */
  readonly conf?: number;
  /** `--input-format rgb8|bgr8 --frame WxH`: the engine runs on seeded frames of a few sizes (src/check/frames.ts). */
  readonly frame?: FrameInput;
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
  /** The step after the build that is now running (the engine, onnxruntime), for progress output. */
  readonly onStep?: (label: string) => void;
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
  if (options.frame && (options.inputsDir || options.inputs))
    throw new YhcError('USAGE', `yhc check --input-format ${options.frame.format} runs on seeded frames of a few sizes; --inputs is not taken with it`);
  // Run in int8: the reference interpreter's second opinion, for a model whose reference no
  // implementation reproduces (src/golden/quantized.ts). Cloned: the compile rewrites `graph`.
  const int8 = quantized && !dequantizedGraph;
  const interpreted = int8 ? cloneGraph(graph) : null;
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
      ...(options.frame ? { frame: options.frame } : {}),
      ...(options.skipPasses ? { skipPasses: options.skipPasses } : {}),
      ...(options.dequantize ? { dequantize: true } : {}),
      ...(options.check ? { check: true } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    // --input-format rgb8|bgr8: one run per frame size (image n of run r takes size r + n), the reference fed their letterbox.
    const size = infos.find((i) => i.dtype === 'float32' && i.shape.length === 4 && i.shape[1] === 3)?.shape[2] ?? 0;
    const frameSizes = options.frame ? checkFrameSizes(options.frame, size) : [];
    const trials = options.frame
      ? frameSizes.map((_, r) => {
          const sizes = Array.from({ length: infos[0]!.shape[0]! }, (_, n) => frameSizes[(r + n) % frameSizes.length]!);
          const { frames, frameSize } = frameInputs(options.frame!, sizes, seed + r);
          const images = letterboxedImages(options.frame!, frames, frameSize, size);
          const engineInputs: Record<string, TypedArray> = { ...inputs, frames, frame_size: frameSize };
          const refInputs: Record<string, TypedArray> = { ...inputs, [infos.find((i) => i.shape[2] === size)!.name]: images };
          return { engineInputs, refInputs, label: ` (frames ${sizes.map((s) => s.join('x')).join(', ')})`, frameSize };
        })
      : [{ engineInputs: inputs, refInputs: inputs, label: '', frameSize: null }];
    const engine = Engine.load(outDir);
    const checks: OutputCheck[] = [];
    let outputs: TypedArray[] = [];
    let feeds: Record<string, ReferenceInput> = {};
    try {
      for (const trial of trials) {
        options.onStep?.(`running the engine (${target === 'host' ? 'host emulation' : 'GPU'})${trial.label}`);
        outputs = engine.runPositional(
          manifest.inputs.map((i) => trial.engineInputs[i.name]!),
          poisonedOutputs(manifest.outputs),
        );
        feeds = Object.fromEntries(infos.map((i) => [i.name, { dtype: i.dtype as DType, shape: i.shape, data: trial.refInputs[i.name]! }]));
        const rtol = precision === 'fp16' ? FP16_RTOL : FP32_RTOL;
        const scoreRtol = precision === 'fp16' ? FP16_SCORE_RTOL : FP32_RTOL;
        // A re-batched static export (graph.staticBatch): onnxruntime runs the original model per image.
        const perImage = graph.staticBatch !== null && (options.batch ?? 1) > 1;
        const refModel = decoded ? referenceModel(perImage && decoded.nms ? { ...decoded, nms: { ...decoded.nms, batch: 1 } } : decoded) : null;
        // --dequantize: onnxruntime runs the float graph the engine runs; a quantized model otherwise runs op by op.
        const refBytes = dequantizedGraph ? encodeModel(graphToModelSpec(dequantizedGraph)) : refModel ? refModel.bytes() : null;
        const refOptions = int8 ? { optimizations: 'disabled' as const } : {};
        // --decode nms: onnxruntime's NonMaxSuppression triples, assembled into the engine's outputs.
        const reference1 = async (f: typeof feeds) => {
          const raw = await runReference(refBytes ?? modelPath, f, refOptions);
          return (refModel?.assemble ? refModel.assemble(raw) : raw) as Reference;
        };
        options.onStep?.(`running onnxruntime${trial.label}`);
        const inNetworkPixels = perImage ? await perImageReference(feeds, options.batch!, reference1) : await reference1(feeds);
        const assembled = trial.frameSize ? referenceInFrames(inNetworkPixels, trial.frameSize, size) : inNetworkPixels;
        const thresholded = options.conf !== undefined ? thresholdReference(assembled, options.conf) : assembled;
        const compared =
          options.outputs === 'efficientnms'
            ? assembleEfficientNms(manifest.outputs, outputs, thresholded)
            : { infos: manifest.outputs, outputs, reference: thresholded };
        const reference = compared.reference;
        outputs = compared.outputs;
        // Frames and efficientnms outputs are not what the interpreter's graph computes: no second opinion there.
        const opinion = interpreted && !trial.frameSize && options.outputs !== 'efficientnms' ? secondOpinion(interpreted, feeds) : null;
        const second = (name: string, ref: ReferenceTensor) => () => {
          if (!opinion) return undefined;
          options.onStep?.(`running the reference interpreter (a second opinion)${trial.label}`);
          return opinion(name, ref);
        };
        // Run in int8: num_dets counts the engine's own detection rows; the detections rule compares them.
        const rows = compared.infos.findIndex((d) => looksLikeDetections(d.shape, d.dtype));
        const trialChecks = compared.infos.map((info, i) => {
          const ref = reference[info.name];
          if (!ref) throw new YhcError('RUNTIME', `onnxruntime produced no output ${q(info.name)}`);
          if (info.name === NUM_DETS_OUTPUT && int8 && rows >= 0)
            return checkQuantizedNumDets(info, outputs[i]!, outputs[rows]!, compared.infos[rows]!.shape, ref);
          if (info.name === NUM_DETS_OUTPUT && options.conf !== undefined)
            return checkNumDets(info, outputs[i]!, ref, detectionsOf(assembled)[1], options.conf, scoreRtol);
          const float = () => checkOutput(info, outputs[i]!, ref, rtol, scoreRtol);
          // Run in int8: the quantized whole-model rule (docs/golden_rules.md, "Quantized models").
          return int8 ? checkQuantizedOutput(info, outputs[i]!, ref, float, second(info.name, ref)) : float();
        });
        checks.push(...trialChecks.map((c) => ({ ...c, name: c.name + trial.label })));
      }
    } finally {
      engine.dispose();
    }
    const dequantized = dequantizedGraph ? await int8Shift(modelPath, feeds, manifest.outputs, outputs) : undefined;
    return {
      ...(dequantized ? { dequantized } : {}),
      ok: checks.every((c) => c.ok),
      model: modelPath,
      target,
      precision,
      inputs: options.frame
        ? `random frames, seed ${seed}, sizes ${frameSizes.map((s) => s.join('x')).join(', ')}`
        : options.inputs
          ? 'given'
          : options.inputsDir
            ? `files in ${options.inputsDir}`
            : `random, seed ${seed}`,
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
