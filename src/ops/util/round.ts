import { castValue, roundToBfloat16, roundToHalf, type DType } from '../../dtype.js';
import type { TensorData } from '../../tensor.js';

const TWO63 = 2 ** 63;
const TWO64 = 2 ** 64;

/**
 * Round every element of `data` (already in dtype's storage array) into the domain of `dtype`:
 * float16/bfloat16 precision, integer truncation and C-style wrap-around, bool to 0/1. The same
 * result as castValue per element, with the loop per dtype (castValue's BigInt path is slow).
 * int64/uint64 values whose magnitude is at least 2^63 / 2^64 are left saturated rather than
 * wrapped (they are the INT64 sentinels yhc only ever clamps; see dtype.ts).
 */
export function roundInPlace(data: TensorData, dtype: DType): void {
  const n = data.length;
  switch (dtype) {
    case 'float32':
      if (!(data instanceof Float32Array)) for (let i = 0; i < n; i++) data[i] = Math.fround(data[i]!);
      return;
    case 'float64':
      return;
    case 'float16':
      for (let i = 0; i < n; i++) data[i] = roundToHalf(data[i]!);
      return;
    case 'bfloat16':
      for (let i = 0; i < n; i++) data[i] = roundToBfloat16(data[i]!);
      return;
    case 'bool':
      for (let i = 0; i < n; i++) {
        const v = data[i]!;
        data[i] = v !== 0 && v === v ? 1 : 0;
      }
      return;
    case 'int8':
      for (let i = 0; i < n; i++) data[i] = (data[i]! << 24) >> 24;
      return;
    case 'uint8':
      for (let i = 0; i < n; i++) data[i] = data[i]! & 0xff;
      return;
    case 'int16':
      for (let i = 0; i < n; i++) data[i] = (data[i]! << 16) >> 16;
      return;
    case 'uint16':
      for (let i = 0; i < n; i++) data[i] = data[i]! & 0xffff;
      return;
    case 'int32':
      for (let i = 0; i < n; i++) data[i] = data[i]! | 0;
      return;
    case 'uint32':
      for (let i = 0; i < n; i++) data[i] = data[i]! >>> 0;
      return;
    case 'int64':
      for (let i = 0; i < n; i++) {
        const v = data[i]!;
        if (v !== v || v === Infinity || v === -Infinity) data[i] = 0;
        else if (v >= TWO63) data[i] = TWO63;
        else if (v <= -TWO63) data[i] = -TWO63;
        else data[i] = Math.trunc(v);
      }
      return;
    case 'uint64':
      for (let i = 0; i < n; i++) {
        const v = data[i]!;
        if (v >= 0 && v < TWO64) data[i] = Math.trunc(v);
        else if (v >= TWO64 && v !== Infinity) data[i] = TWO64;
        else data[i] = castValue(v, 'uint64');
      }
      return;
  }
}
