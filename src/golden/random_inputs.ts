import type { DType } from '../dtype.js';
import type { TensorInfo } from '../ir/tensor_info.js';
import { allocateTypedArray, type TypedArray } from '../typed_arrays.js';
import { SeededRandom } from './random.js';

/**
 * Seeded N(0,1) inputs (floats) or small integers, drawn in input order: what `yhc check` feeds
 * without --inputs, and what the passes' translation validation runs the interpreter on.
 */
export function randomInputs(infos: readonly TensorInfo[], seed: number): Record<string, TypedArray> {
  const rng = new SeededRandom(seed);
  const out: Record<string, TypedArray> = {};
  for (const info of infos) {
    const a = allocateTypedArray(info.dtype as DType, info.shape);
    if (a instanceof Float32Array || a instanceof Float64Array) for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    else if (a instanceof BigInt64Array || a instanceof BigUint64Array) for (let i = 0; i < a.length; i++) a[i] = BigInt(Math.floor(rng.uniform() * 8));
    else for (let i = 0; i < a.length; i++) a[i] = Math.floor(rng.uniform() * 8);
    out[info.name] = a;
  }
  return out;
}
