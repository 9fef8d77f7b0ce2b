import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import type { Manifest, TensorInfo } from '../manifest.js';
import { allocateTypedArray, checkTypedArray, type TypedArray } from '../typed_arrays.js';
import type { EngineAbi } from './engine_abi.js';

/** Throws error[INPUT] unless a run of this build may take `batch` images. */
export function checkBatch(manifest: Manifest, batch: number): void {
  const max = manifest.batch;
  if (!Number.isInteger(batch) || batch < 1 || batch > max) {
    throw new YhcError('INPUT', `batch ${batch} is outside 1..${max} (the batch this engine was compiled for)`);
  }
  if (batch !== max && !manifest.dynamicBatch) {
    throw new YhcError('INPUT', `batch ${batch}: this engine runs its compiled batch ${max} only (compiled without a dynamic batch)`);
  }
}

/** Inputs by name in manifest order; error[INPUT] for a missing or unknown name. */
export function orderInputs(manifest: Manifest, inputs: Record<string, TypedArray>): TypedArray[] {
  const names = new Set(Object.keys(inputs));
  const ordered = manifest.inputs.map((info) => {
    const a = inputs[info.name];
    if (!a) throw new YhcError('INPUT', `missing input ${q(info.name)} (${info.dtype}[${info.shape.join(', ')}])`);
    names.delete(info.name);
    return a;
  });
  if (names.size > 0) throw new YhcError('INPUT', `unknown input ${q([...names][0]!)}; the engine takes ${manifest.inputs.map((i) => q(i.name)).join(', ')}`);
  return ordered;
}

export const byName = (manifest: Manifest, outs: readonly TypedArray[]): Record<string, TypedArray> =>
  Object.fromEntries(manifest.outputs.map((info, i) => [info.name, outs[i]!]));

/** The checked arrays of one positional run of `batch` images; fresh outputs unless given. */
export function runArrays(manifest: Manifest, inputs: readonly TypedArray[], outputs: readonly TypedArray[] | undefined, batch: number): TypedArray[] {
  if (inputs.length !== manifest.inputs.length) throw new YhcError('INPUT', `the engine takes ${manifest.inputs.length} inputs, got ${inputs.length}`);
  checkBatch(manifest, batch);
  // Arrays of a run of `batch` images: the manifest's shapes with the batch as leading dim.
  const ofBatch = (info: TensorInfo): TensorInfo => (batch === manifest.batch ? info : { ...info, shape: [batch, ...info.shape.slice(1)] });
  inputs.forEach((a, i) => checkTypedArray(a, ofBatch(manifest.inputs[i]!), `input ${q(manifest.inputs[i]!.name)}`));
  const outs = outputs ? [...outputs] : manifest.outputs.map((info) => allocateTypedArray(info.dtype as DType, ofBatch(info).shape));
  outs.forEach((a, i) => checkTypedArray(a, ofBatch(manifest.outputs[i]!), `output ${q(manifest.outputs[i]!.name)}`));
  return outs;
}

/**
 * One execution context of an Engine (`Engine.createContext()`): the engine's weights, its own
 * activation arena, state and staged buffers (yhc_context_create). Runs of different contexts may
 * overlap: `runAsync` runs on a worker thread, so several contexts of one engine compute at once.
 * One run at a time per context; disposing the engine disposes its contexts.
 */
export class EngineContext {
  private handle: unknown;
  private inFlight = false;

  /** @internal Made by Engine.createContext. */
  constructor(
    private readonly manifest: Manifest,
    private readonly abi: EngineAbi,
    handle: unknown,
    private readonly onDispose: (c: EngineContext) => void,
  ) {
    this.handle = handle;
  }

  /** Run with inputs by name; returns fresh output arrays by name. */
  run(inputs: Record<string, TypedArray>, options: { batch?: number } = {}): Record<string, TypedArray> {
    return byName(this.manifest, this.runPositional(orderInputs(this.manifest, inputs), undefined, options.batch));
  }

  /** Run with inputs in manifest order; returns outputs in manifest order. */
  runPositional(inputs: readonly TypedArray[], outputs?: readonly TypedArray[], batch: number = this.manifest.batch): TypedArray[] {
    const handle = this.live();
    const outs = runArrays(this.manifest, inputs, outputs, batch);
    if (this.abi.contextRunHost(handle, batch, [...inputs], outs) !== 0) throw new YhcError('RUNTIME', `context run failed: ${this.abi.lastError()}`);
    return outs;
  }

  /** The same run on a worker thread: the JavaScript thread stays free, and other contexts run meanwhile. Keep the arrays untouched until it settles. */
  async runAsync(inputs: Record<string, TypedArray>, options: { batch?: number } = {}): Promise<Record<string, TypedArray>> {
    return byName(this.manifest, await this.runPositionalAsync(orderInputs(this.manifest, inputs), undefined, options.batch));
  }

  /** runPositional on a worker thread. */
  runPositionalAsync(inputs: readonly TypedArray[], outputs?: readonly TypedArray[], batch: number = this.manifest.batch): Promise<TypedArray[]> {
    return new Promise((resolve, reject) => {
      const handle = this.live();
      if (this.inFlight) throw new YhcError('RUNTIME', 'the context is already running (one run at a time per context: create another)');
      const outs = runArrays(this.manifest, inputs, outputs, batch);
      this.inFlight = true;
      this.abi.contextRunHostAsync(handle, batch, [...inputs], outs, (err, status) => {
        this.inFlight = false;
        if (err) reject(new YhcError('RUNTIME', `context run failed: ${String(err)}`));
        else if (status !== 0) reject(new YhcError('RUNTIME', `context run failed: ${this.abi.contextLastError(handle)}`));
        else resolve(outs);
      });
    });
  }

  /** Whether a runAsync has not settled yet. */
  get busy(): boolean {
    return this.inFlight;
  }

  /** Free the context's buffers (not the engine's weights). A second dispose is harmless. */
  dispose(): void {
    if (!this.handle) return;
    if (this.inFlight) throw new YhcError('RUNTIME', 'cannot dispose a context while its runAsync is in flight');
    this.abi.contextDestroy(this.handle);
    this.forget();
  }

  /** @internal The engine freed this context with itself. */
  forget(): void {
    this.handle = null;
    this.onDispose(this);
  }

  private live(): unknown {
    if (!this.handle) throw new YhcError('RUNTIME', 'the context was disposed (or its engine was)');
    return this.handle;
  }
}
