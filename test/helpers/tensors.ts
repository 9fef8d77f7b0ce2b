import { Tensor } from '../../src/tensor.js';

/** A float32 tensor of `shape` holding `values` (row-major). */
export const f32 = (shape: readonly number[], values: ArrayLike<number>): Tensor => Tensor.from('float32', shape, values);
