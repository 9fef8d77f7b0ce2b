import { readFileSync } from 'node:fs';
import { Tensor } from '../../src/tensor.js';

/** A float32 tensor of `shape` holding `values` (row-major). */
export const f32 = (shape: readonly number[], values: ArrayLike<number>): Tensor => Tensor.from('float32', shape, values);

/** A raw little-endian float32 file (a recorded input or output) as a Float32Array. */
export function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
