import { dtypeInfo, floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat, bfloat16BitsToFloat, type DType } from './dtype.js';
import { YhcError, listText } from './errors.js';
import { numel, Tensor } from './tensor.js';

/** Host arrays the engine accepts: one typed array type per dtype (float16 travels as raw bits). */
export type TypedArray =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

const CONSTRUCTORS: Record<DType, new (n: number) => TypedArray> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

export function allocateTypedArray(dtype: DType, shape: readonly number[]): TypedArray {
  return new CONSTRUCTORS[dtype](numel(shape));
}

/** The array must be the dtype's array type and hold exactly the tensor's elements. */
export function checkTypedArray(a: TypedArray, info: { dtype: string; shape: readonly number[] }, what: string): void {
  const dtype = info.dtype as DType;
  const want = numel(info.shape);
  if (!(a instanceof CONSTRUCTORS[dtype])) {
    throw new YhcError('INPUT', `${what} must be a ${CONSTRUCTORS[dtype].name} (${dtype}), got ${a?.constructor?.name ?? typeof a}`);
  }
  if (a.length !== want || a.byteLength !== want * dtypeInfo(dtype).bytes) {
    throw new YhcError('INPUT', `${what} must hold ${want} elements for shape ${listText(info.shape, ', ')}, got ${a.length}`);
  }
}

/** Interpret raw little-endian bytes (a .bin file) as the dtype's array; copies to align. */
export function typedArrayFromBytes(bytes: Uint8Array, dtype: DType): TypedArray {
  const size = dtypeInfo(dtype).bytes;
  if (bytes.byteLength % size !== 0) throw new YhcError('INPUT', `${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  const copy = new Uint8Array(bytes);
  const Ctor = CONSTRUCTORS[dtype] as unknown as new (b: ArrayBuffer) => TypedArray;
  return new Ctor(copy.buffer);
}

/** A Tensor's values in the typed array its dtype travels in (engines, onnxruntime). */
export function typedArrayOf(t: Tensor): TypedArray {
  const a = allocateTypedArray(t.dtype, t.shape);
  const d = t.data;
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    for (let i = 0; i < d.length; i++) a[i] = BigInt(Math.trunc(d[i]!));
  } else if (t.dtype === 'float16' || t.dtype === 'bfloat16') {
    const bits = t.dtype === 'float16' ? floatToHalfBits : floatToBfloat16Bits;
    for (let i = 0; i < d.length; i++) a[i] = bits(d[i]!);
  } else {
    a.set(d);
  }
  return a;
}

/** The inverse of typedArrayOf. */
export function tensorFromTypedArray(dtype: DType, shape: readonly number[], a: TypedArray): Tensor {
  // The common cases copy without a detour through a JS array (a 640 decoder's inputs are 1.2M floats).
  if (dtype === 'float32' && a instanceof Float32Array) return new Tensor(dtype, shape, new Float32Array(a));
  if (dtype === 'float64' && a instanceof Float64Array) return new Tensor(dtype, shape, new Float64Array(a));
  const values = Array.from(a as ArrayLike<number | bigint>, Number);
  if (dtype === 'float16') return Tensor.from(dtype, shape, values.map(halfBitsToFloat));
  if (dtype === 'bfloat16') return Tensor.from(dtype, shape, values.map(bfloat16BitsToFloat));
  return Tensor.from(dtype, shape, values);
}
