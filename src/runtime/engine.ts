import { join, resolve } from 'node:path';
import { YhcError, q } from '../errors.js';
import type { Manifest, TensorInfo } from '../manifest.js';
import type { ModelMetadata } from '../ir/model_metadata.js';
import type { TypedArray } from '../typed_arrays.js';
import { bindEngineAbi, gpuHint, type EngineAbi } from './engine_abi.js';
import { EngineContext, byName, checkBatch, orderInputs, runArrays } from './engine_context.js';
import { readManifest } from './manifest_file.js';

/**
 * A compiled engine loaded from a build directory (manifest.json, weights.bin, lib/*.so).
 * `run` takes host typed arrays by input name and returns outputs by name; on the CUDA target
 * the library stages them through device memory. With `batch` (engines whose manifest says
 * dynamicBatch), a run takes the first `batch` images: arrays hold that many. `createContext()`
 * adds execution contexts that share the engine's weights (one run at a time each).
 */
export class Engine {
  readonly manifest: Manifest;
  private readonly abi: EngineAbi;
  private handle: unknown;
  private readonly contexts = new Set<EngineContext>();

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
    const abi = bindEngineAbi(join(dir, manifest.library), manifest.target, manifest.symbolPrefix ?? '');
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

  /** Device (host target: host) bytes of the weights, held once, and of each execution context. */
  get memory(): { weightBytes: number; contextBytes: number; contexts: number } {
    return { weightBytes: this.abi.weightBytes(), contextBytes: this.abi.contextBytes(), contexts: 1 + this.contexts.size };
  }

  /** Run with inputs by name; returns fresh output arrays by name. */
  run(inputs: Record<string, TypedArray>, options: { batch?: number } = {}): Record<string, TypedArray> {
    return byName(this.manifest, this.runPositional(orderInputs(this.manifest, inputs), undefined, options.batch));
  }

  /** Run with inputs in manifest order; returns outputs in manifest order. */
  runPositional(inputs: readonly TypedArray[], outputs?: readonly TypedArray[], batch: number = this.manifest.batch): TypedArray[] {
    const handle = this.live();
    const outs = runArrays(this.manifest, inputs, outputs, batch);
    if (this.abi.runHost(handle, batch, [...inputs], outs) !== 0) {
      throw new YhcError('RUNTIME', `engine run failed: ${this.abi.lastError()}`);
    }
    return outs;
  }

  /** A new execution context: the engine's weights, its own activations (Engine.memory.contextBytes more). */
  createContext(): EngineContext {
    const handle = this.live();
    const out: unknown[] = [null];
    if (this.abi.contextCreate(handle, out) !== 0 || !out[0]) throw new YhcError('RUNTIME', `cannot create a context: ${this.abi.lastError()}`);
    const context = new EngineContext(this.manifest, this.abi, out[0], (c) => this.contexts.delete(c));
    this.contexts.add(context);
    return context;
  }

  /** Throws error[INPUT] unless a run may take `batch` images. */
  checkBatch(batch: number): void {
    checkBatch(this.manifest, batch);
  }

  /** Free the engine and its contexts; refused while a context's runAsync is in flight. */
  dispose(): void {
    if (!this.handle) return;
    if ([...this.contexts].some((c) => c.busy)) throw new YhcError('RUNTIME', 'cannot dispose the engine while a context run is in flight');
    this.abi.destroy(this.handle);
    this.handle = null;
    for (const c of [...this.contexts]) c.forget();
  }

  private live(): unknown {
    if (!this.handle) throw new YhcError('RUNTIME', 'the engine was disposed');
    return this.handle;
  }
}

/** Why an engine could not be created; a CUDA build on a machine without a usable GPU gets a hint. */
export function createFailure(target: Manifest['target'], lastError: string): string {
  const noGpu = /cudaErrorInsufficientDriver|cudaErrorNoDevice|no CUDA-capable device|CUDA driver version is insufficient/i.test(lastError);
  return `cannot create the engine: ${lastError}${noGpu ? gpuHint(target) : ''}`;
}
