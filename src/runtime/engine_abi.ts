import koffi from 'koffi';
import { YhcError, q } from '../errors.js';
import type { Manifest } from '../manifest.js';
import type { TypedArray } from '../typed_arrays.js';

/** The C ABI of templates/yhc_engine.h, bound once per loaded library. Handles are opaque. */
export interface EngineAbi {
  create(weights: string, out: unknown[]): number;
  destroy(engine: unknown): void;
  runHost(engine: unknown, batch: number, inputs: TypedArray[], outputs: TypedArray[]): number;
  contextCreate(engine: unknown, out: unknown[]): number;
  contextDestroy(context: unknown): void;
  contextRunHost(context: unknown, batch: number, inputs: TypedArray[], outputs: TypedArray[]): number;
  /** The same run on a worker thread of koffi's: `done` gets the status. */
  contextRunHostAsync(context: unknown, batch: number, inputs: TypedArray[], outputs: TypedArray[], done: (err: unknown, status: number) => void): void;
  lastError(): string;
  /** Why the context's last run failed (from any thread), or ''. */
  contextLastError(context: unknown): string;
  buildId(): string;
  weightBytes(): number;
  contextBytes(): number;
}

// The handles are opaque C types; declared once per process.
koffi.opaque('yhc_engine');
koffi.opaque('yhc_context');

/** Load an engine library and bind its C ABI, whose names all start with `symbolPrefix` (manifest.json's; '' for none). */
export function bindEngineAbi(libraryPath: string, target: Manifest['target'], symbolPrefix = ''): EngineAbi {
  if (!/^([A-Za-z_][A-Za-z0-9_]*)?$/.test(symbolPrefix)) {
    throw new YhcError('RUNTIME', `manifest.json's symbolPrefix ${q(symbolPrefix)} is not a C identifier prefix`);
  }
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(libraryPath);
  } catch (e) {
    const message = (e as Error).message;
    throw new YhcError('RUNTIME', `cannot load engine library ${q(libraryPath)}: ${message}${/libcuda/.test(message) ? gpuHint(target) : ''}`);
  }
  const P = symbolPrefix;
  const fn = (prototype: string) => {
    try {
      return lib.func(prototype);
    } catch (e) {
      throw new YhcError('RUNTIME', `${q(libraryPath)} lacks a function of yhc's C ABI 2 (${(e as Error).message}); rebuild it with this yhc`);
    }
  };
  const create = fn(`int ${P}yhc_engine_create(const char *weights, _Out_ yhc_engine **engine)`);
  const destroy = fn(`void ${P}yhc_engine_destroy(yhc_engine *engine)`);
  const runHost = fn(`int ${P}yhc_engine_run_host_batch(yhc_engine *engine, int batch, void **inputs, void **outputs)`);
  const contextCreate = fn(`int ${P}yhc_context_create(yhc_engine *engine, _Out_ yhc_context **context)`);
  const contextDestroy = fn(`void ${P}yhc_context_destroy(yhc_context *context)`);
  const contextRunHost = fn(`int ${P}yhc_context_run_host_batch(yhc_context *context, int batch, void **inputs, void **outputs)`);
  const lastError = fn(`const char *${P}yhc_last_error()`);
  const contextLastError = fn(`const char *${P}yhc_context_last_error(yhc_context *context)`);
  const buildId = fn(`const char *${P}yhc_build_id()`);
  const weightBytes = fn(`size_t ${P}yhc_weight_bytes()`);
  const contextBytes = fn(`size_t ${P}yhc_context_bytes()`);
  return {
    create: (w, out) => create(w, out) as number,
    destroy: (e) => destroy(e),
    runHost: (e, b, i, o) => runHost(e, b, i, o) as number,
    contextCreate: (e, out) => contextCreate(e, out) as number,
    contextDestroy: (c) => contextDestroy(c),
    contextRunHost: (c, b, i, o) => contextRunHost(c, b, i, o) as number,
    contextRunHostAsync: (c, b, i, o, done) => contextRunHost.async(c, b, i, o, done),
    lastError: () => lastError() as string,
    contextLastError: (c) => contextLastError(c) as string,
    buildId: () => buildId() as string,
    weightBytes: () => Number(weightBytes()),
    contextBytes: () => Number(contextBytes()),
  };
}

export function gpuHint(target: Manifest['target']): string {
  return target === 'cuda' ? ' (this build targets CUDA and needs an NVIDIA GPU and driver; yhc compile --target host builds one that runs on the CPU)' : '';
}
