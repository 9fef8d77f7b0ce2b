import { castValue, type DType } from './dtype.js';
import { YhcError, listText } from './errors.js';

export type TensorData = Float32Array | Float64Array;

/** Storage array type for a dtype (see dtype.ts for why integers live in Float64Array). */
export function storageFor(dtype: DType, length: number): TensorData {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' ? new Float32Array(length) : new Float64Array(length);
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) element strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** A dense row-major tensor with a static shape. Immutable by convention once built. */
export class Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;

  constructor(dtype: DType, shape: readonly number[], data?: TensorData) {
    this.dtype = dtype;
    this.shape = [...shape];
    const n = numel(shape);
    if (data) {
      if (data.length !== n) {
        throw new YhcError('SHAPE', `tensor of shape ${listText(shape)} needs ${n} elements, got ${data.length}`);
      }
      const wantF32 = dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
      this.data = wantF32 === data instanceof Float32Array ? data : storageFor(dtype, n).fill(0);
      if (this.data !== data) this.data.set(data);
    } else {
      this.data = storageFor(dtype, n);
    }
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Build from plain numbers, rounding/wrapping each into the dtype's domain. */
  static from(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
    const data = storageFor(dtype, values.length);
    for (let i = 0; i < values.length; i++) data[i] = castValue(values[i]!, dtype);
    return new Tensor(dtype, shape, data);
  }

  static scalar(dtype: DType, value: number): Tensor {
    return Tensor.from(dtype, [], [value]);
  }

  /** The values as plain numbers (for small tensors: shapes, axes, indices). */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Same data, new shape (element count must match). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.dtype, shape, this.data);
  }
}
