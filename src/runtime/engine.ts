import { join, resolve } from 'node:path';
import koffi from 'koffi';
import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import type { Manifest, TensorInfo } from '../manifest.js';
import type { ModelMetadata } from '../ir/model_metadata.js';
import { allocateTypedArray, checkTypedArray, type TypedArray } from '../typed_arrays.js';
import { readManifest } from './manifest_file.js';

/** The C ABI of templates/yhc_engine.h, bound once per loaded library. */
interface EngineAbi {
  create(weights: string, out: unknown[]): number;
  destroy(engine: unknown): void;
  runHost(engine: unknown, batch: number, inputs: TypedArray[], outputs: TypedArray[]): number;
  lastError(): string;
  buildId(): string;
  inputBytes(i: number): number;
  outputBytes(i: number): number;
}

// The engine handle is an opaque C type; declared once per process.
koffi.opaque('yhc_engine');

function bind(libraryPath: string, target: Manifest['target']): EngineAbi {
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(libraryPath);
  } catch (e) {
    const message = (e as Error).message;
    throw new YhcError('RUNTIME', `cannot load engine library ${q(libraryPath)}: ${message}${/libcuda/.test(message) ? gpuHint(target) : ''}`);
  }
  const create = lib.func('int yhc_engine_create(const char *weights, _Out_ yhc_engine **engine)');
  const destroy = lib.func('void yhc_engine_destroy(yhc_engine *engine)');
  const runHost = lib.func('int yhc_engine_run_host_batch(yhc_engine *engine, int batch, void **inputs, void **outputs)');
  const lastError = lib.func('const char *yhc_last_error()');
  const buildId = lib.func('const char *yhc_build_id()');
  const inputBytes = lib.func('size_t yhc_input_bytes(int index)');
  const outputBytes = lib.func('size_t yhc_output_bytes(int index)');
  return {
    create: (w, out) => create(w, out) as number,
    destroy: (e) => destroy(e),
    runHost: (e, b, i, o) => runHost(e, b, i, o) as number,
    lastError: () => lastError() as string,
    buildId: () => buildId() as string,
    inputBytes: (i) => Number(inputBytes(i)),
    outputBytes: (i) => Number(outputBytes(i)),
  };
}

/**
 * A compiled engine loaded from a build directory (manifest.json, weights.bin, lib/*.so).
 * `run` takes host typed arrays by input name and returns outputs by name; on the CUDA target
 * the library stages them through device memory. With `batch` (engines whose manifest says
 * dynamicBatch), a run takes the first `batch` images: arrays hold that many.
 */
export class Engine {
  readonly manifest: Manifest;
  private readonly abi: EngineAbi;
  private handle: unknown;

  private constructor(manifest: Manifest, abi: EngineAbi, handle: unknown) {
    this.manifest = manifest;
    this.abi = abi;
    this.handle = handle;
  }

  /** Load a build directory produced by `yhc compile` (with a library, i.e. not --no-build). */
  static load(buildDir: string): Engine {
    const manifest = readManifest(buildDir);
    const dir = resolve(buildDir);
    if (!manifest.library) throw new YhcError('RUNTIME', `${q(buildDir)} was compiled with --no-build; build it to run it`);
    const abi = bind(join(dir, manifest.library), manifest.target);
    if (abi.buildId() !== manifest.buildId) {
      throw new YhcError('RUNTIME', `the library in ${q(dir)} does not match its manifest (build id differs)`);
    }
    const out: unknown[] = [null];
    if (abi.create(join(dir, manifest.weights.file), out) !== 0 || !out[0]) {
      throw new YhcError('RUNTIME', createFailure(manifest.target, abi.lastError()));
    }
    return new Engine(manifest, abi, out[0]);
  }

  /** The model's metadata_props as manifest.json carries them (raw, and the parsed fields). */
  get metadata(): ModelMetadata {
    return this.manifest.metadata ?? { raw: {} };
  }

  /** Class names from the model's `names` metadata (index = class id of a detection), if it has them. */
  get classNames(): readonly string[] | undefined {
    const names: unknown = this.manifest.metadata?.classNames;
    return Array.isArray(names) && names.every((n) => typeof n === 'string') ? (names as string[]) : undefined;
  }

  get inputs(): readonly TensorInfo[] {
    return this.manifest.inputs;
  }

  get outputs(): readonly TensorInfo[] {
    return this.manifest.outputs;
  }

  /** Run with inputs by name; returns fresh output arrays by name. */
  run(inputs: Record<string, TypedArray>, options: { batch?: number } = {}): Record<string, TypedArray> {
    const names = new Set(Object.keys(inputs));
    const ordered = this.manifest.inputs.map((info) => {
      const a = inputs[info.name];
      if (!a) throw new YhcError('INPUT', `missing input ${q(info.name)} (${describe(info)})`);
      names.delete(info.name);
      return a;
    });
    if (names.size > 0)
      throw new YhcError('INPUT', `unknown input ${q([...names][0]!)}; the engine takes ${this.manifest.inputs.map((i) => q(i.name)).join(', ')}`);
    const out = this.runPositional(ordered, undefined, options.batch);
    return Object.fromEntries(this.manifest.outputs.map((info, i) => [info.name, out[i]!]));
  }

  /** Run with inputs in manifest order; returns outputs in manifest order. */
  runPositional(inputs: readonly TypedArray[], outputs?: readonly TypedArray[], batch: number = this.manifest.batch): TypedArray[] {
    if (!this.handle) throw new YhcError('RUNTIME', 'the engine was disposed');
    if (inputs.length !== this.manifest.inputs.length) {
      throw new YhcError('INPUT', `the engine takes ${this.manifest.inputs.length} inputs, got ${inputs.length}`);
    }
    this.checkBatch(batch);
    // Arrays of a run of `batch` images: the manifest's shapes with the batch as leading dim.
    const ofBatch = (info: TensorInfo): TensorInfo => (batch === this.manifest.batch ? info : { ...info, shape: [batch, ...info.shape.slice(1)] });
    inputs.forEach((a, i) => checkTypedArray(a, ofBatch(this.manifest.inputs[i]!), `input ${q(this.manifest.inputs[i]!.name)}`));
    const outs = outputs ? [...outputs] : this.manifest.outputs.map((info) => allocateTypedArray(info.dtype as DType, ofBatch(info).shape));
    outs.forEach((a, i) => checkTypedArray(a, ofBatch(this.manifest.outputs[i]!), `output ${q(this.manifest.outputs[i]!.name)}`));
    if (this.abi.runHost(this.handle, batch, [...inputs], outs) !== 0) {
      throw new YhcError('RUNTIME', `engine run failed: ${this.abi.lastError()}`);
    }
    return outs;
  }

  /** Throws error[INPUT] unless a run may take `batch` images. */
  checkBatch(batch: number): void {
    const max = this.manifest.batch;
    if (!Number.isInteger(batch) || batch < 1 || batch > max) {
      throw new YhcError('INPUT', `batch ${batch} is outside 1..${max} (the batch this engine was compiled for)`);
    }
    if (batch !== max && !this.manifest.dynamicBatch) {
      throw new YhcError('INPUT', `batch ${batch}: this engine runs its compiled batch ${max} only (compiled without a dynamic batch)`);
    }
  }

  dispose(): void {
    if (this.handle) this.abi.destroy(this.handle);
    this.handle = null;
  }
}

/** Why an engine could not be created; a CUDA build on a machine without a usable GPU gets a hint. */
export function createFailure(target: Manifest['target'], lastError: string): string {
  const noGpu = /cudaErrorInsufficientDriver|cudaErrorNoDevice|no CUDA-capable device|CUDA driver version is insufficient/i.test(lastError);
  return `cannot create the engine: ${lastError}${noGpu ? gpuHint(target) : ''}`;
}

function gpuHint(target: Manifest['target']): string {
  return target === 'cuda' ? ' (this build targets CUDA and needs an NVIDIA GPU and driver; yhc compile --target host builds one that runs on the CPU)' : '';
}

function describe(info: TensorInfo): string {
  return `${info.dtype}[${info.shape.join(', ')}]`;
}
