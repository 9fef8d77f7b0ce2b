import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import type { TypedArray } from '../runtime/typed_arrays.js';

/** onnxruntime-node (CPU) running the ORIGINAL model: the reference yhc is checked against. */
export interface ReferenceTensor {
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

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

export async function runReference(
  modelPath: string,
  inputs: Record<string, { dtype: DType; shape: readonly number[]; data: TypedArray }>,
): Promise<Record<string, ReferenceTensor>> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    throw new YhcError('RUNTIME', `onnxruntime-node is needed as the reference and could not be loaded: ${(e as Error).message}`);
  }
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all', intraOpNumThreads: 0 });
  } catch (e) {
    throw new YhcError('RUNTIME', `onnxruntime cannot load ${q(modelPath)}: ${(e as Error).message}`);
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
    for (const [name, t] of Object.entries(results)) out[name] = { dims: [...t.dims], data: t.data as TypedArray };
    return out;
  } catch (e) {
    if (e instanceof YhcError) throw e;
    throw new YhcError('RUNTIME', `onnxruntime failed to run ${q(modelPath)}: ${(e as Error).message}`);
  } finally {
    await session.release();
  }
}
