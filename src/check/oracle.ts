import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import type { TypedArray } from '../typed_arrays.js';

/** onnxruntime-node (CPU) running the ORIGINAL model: the reference yhc is checked against. */
export interface ReferenceTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

export interface ReferenceInput {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/** yhc dtype → onnxruntime tensor type (float16 travels as raw bits in a Uint16Array). */
const ORT_TYPES: Partial<Record<DType, string>> = {
  float32: 'float32',
  float64: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  bool: 'bool',
  float16: 'float16',
};

const DTYPE_OF = Object.fromEntries(Object.entries(ORT_TYPES).map(([d, t]) => [t, d as DType]));

export interface ReferenceOptions {
  /**
   * onnxruntime's graph optimizations: 'all' (default) or 'disabled'. Quantized models are run
   * with them disabled, so the reference computes the ONNX semantics op by op rather than a
   * fused QLinear kernel with its own rounding (docs/golden_rules.md).
   */
  readonly optimizations?: 'all' | 'disabled';
}

/** Run a model (a file, or encoded bytes) on onnxruntime's CPU provider. */
export async function runReference(
  model: string | Uint8Array,
  inputs: Record<string, ReferenceInput>,
  reference: ReferenceOptions = {},
): Promise<Record<string, ReferenceTensor>> {
  const what = typeof model === 'string' ? q(model) : 'the model';
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    throw new YhcError('RUNTIME', `onnxruntime-node is needed as the reference and could not be loaded: ${(e as Error).message}`);
  }
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    const options = { graphOptimizationLevel: reference.optimizations ?? 'all', intraOpNumThreads: 0 } as const;
    session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  } catch (e) {
    throw new YhcError('RUNTIME', `onnxruntime cannot load ${what}: ${(e as Error).message}`);
  }
  try {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const [name, t] of Object.entries(inputs)) {
      const type = ORT_TYPES[t.dtype];
      if (!type) throw new YhcError('RUNTIME', `onnxruntime-node cannot take ${t.dtype} input ${q(name)}`);
      const data = t.dtype === 'bool' ? new Uint8Array(t.data as Uint8Array) : t.data;
      feeds[name] = new ort.Tensor(type as 'float32', data as Float32Array, [...t.shape]);
    }
    const results = await session.run(feeds);
    const out: Record<string, ReferenceTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      const dtype = DTYPE_OF[t.type];
      if (!dtype) throw new YhcError('RUNTIME', `onnxruntime output ${q(name)} has type ${t.type}, which yhc does not compare`);
      out[name] = { dtype, dims: [...t.dims], data: t.data as TypedArray };
    }
    return out;
  } catch (e) {
    if (e instanceof YhcError) throw e;
    throw new YhcError('RUNTIME', `onnxruntime failed to run ${what}: ${(e as Error).message}`);
  } finally {
    await session.release();
  }
}
