import { YhcError } from './errors.js';

/**
 * The element types yhc understands. Storage in a Tensor: float32/float16/bfloat16 values live in
 * a Float32Array (half values are exactly representable there); float64 and every integer and
 * bool type live in a Float64Array, which is exact for integers up to 2^53 — int64 values beyond
 * that (INT64_MAX as a Slice end, for instance) are only ever clamped, never computed with.
 */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

export interface DTypeInfo {
  readonly name: DType;
  /** TensorProto.DataType code. */
  readonly onnx: number;
  readonly bytes: number;
  /** The C/CUDA element type emitted code uses. */
  readonly cType: string;
  readonly isFloat: boolean;
  readonly signed: boolean;
}

const TABLE: readonly DTypeInfo[] = [
  { name: 'float32', onnx: 1, bytes: 4, cType: 'float', isFloat: true, signed: true },
  { name: 'uint8', onnx: 2, bytes: 1, cType: 'uint8_t', isFloat: false, signed: false },
  { name: 'int8', onnx: 3, bytes: 1, cType: 'int8_t', isFloat: false, signed: true },
  { name: 'uint16', onnx: 4, bytes: 2, cType: 'uint16_t', isFloat: false, signed: false },
  { name: 'int16', onnx: 5, bytes: 2, cType: 'int16_t', isFloat: false, signed: true },
  { name: 'int32', onnx: 6, bytes: 4, cType: 'int32_t', isFloat: false, signed: true },
  { name: 'int64', onnx: 7, bytes: 8, cType: 'int64_t', isFloat: false, signed: true },
  { name: 'bool', onnx: 9, bytes: 1, cType: 'bool', isFloat: false, signed: false },
  { name: 'float16', onnx: 10, bytes: 2, cType: '__half', isFloat: true, signed: true },
  { name: 'float64', onnx: 11, bytes: 8, cType: 'double', isFloat: true, signed: true },
  { name: 'uint32', onnx: 12, bytes: 4, cType: 'uint32_t', isFloat: false, signed: false },
  { name: 'uint64', onnx: 13, bytes: 8, cType: 'uint64_t', isFloat: false, signed: false },
  { name: 'bfloat16', onnx: 16, bytes: 2, cType: '__nv_bfloat16', isFloat: true, signed: true },
];

const BY_NAME = new Map(TABLE.map((t) => [t.name, t]));
const BY_ONNX = new Map(TABLE.map((t) => [t.onnx, t]));

/** Names of ONNX data types yhc does not support, for error messages. */
const ONNX_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  8: 'STRING',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
  24: 'FLOAT8E8M0',
  25: 'UINT2',
  26: 'INT2',
};

export function dtypeInfo(d: DType): DTypeInfo {
  return BY_NAME.get(d)!;
}

/** Map a TensorProto.DataType code to a DType, or throw UNSUPPORTED_DTYPE naming `what`. */
export function dtypeFromOnnx(code: number, what: string): DType {
  const info = BY_ONNX.get(code);
  if (!info) {
    const name = ONNX_TYPE_NAMES[code] ?? `code ${code}`;
    throw new YhcError('UNSUPPORTED_DTYPE', `${what} has data type ${name}, which yhc does not support`);
  }
  return info.name;
}

export function isFloatDType(d: DType): boolean {
  return dtypeInfo(d).isFloat;
}

export function isIntegerDType(d: DType): boolean {
  return !dtypeInfo(d).isFloat && d !== 'bool';
}

/** Bring a computed value into the domain of `d`: round floats to their precision, wrap integers. */
export function castValue(v: number, d: DType): number {
  switch (d) {
    case 'float32':
      return Math.fround(v);
    case 'float16':
      return roundToHalf(v);
    case 'bfloat16':
      return roundToBfloat16(v);
    case 'float64':
      return v;
    case 'bool':
      return v !== 0 && !Number.isNaN(v) ? 1 : 0;
    default:
      return wrapInteger(v, d);
  }
}

function wrapInteger(v: number, d: DType): number {
  if (!Number.isFinite(v)) return 0;
  const t = Math.trunc(v);
  switch (d) {
    case 'int8':
      return (t << 24) >> 24;
    case 'uint8':
      return t & 0xff;
    case 'int16':
      return (t << 16) >> 16;
    case 'uint16':
      return t & 0xffff;
    case 'int32':
      return Number(BigInt.asIntN(32, BigInt(t)));
    case 'uint32':
      return Number(BigInt.asUintN(32, BigInt(t)));
    case 'int64':
      return Number(BigInt.asIntN(64, BigInt(t)));
    case 'uint64':
      return Number(BigInt.asUintN(64, BigInt(t)));
    default:
      return t;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits to a number. */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A number to IEEE binary16 bits, round to nearest even. */
export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

export function roundToHalf(v: number): number {
  return halfBitsToFloat(floatToHalfBits(v));
}

export function bfloat16BitsToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

export function floatToBfloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  if (Number.isNaN(v)) return 0x7fc0;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export function roundToBfloat16(v: number): number {
  return bfloat16BitsToFloat(floatToBfloat16Bits(v));
}
