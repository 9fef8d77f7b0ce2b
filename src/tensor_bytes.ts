import { dtypeInfo, floatToBfloat16Bits, floatToHalfBits, type DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * A tensor's data as little-endian bytes in its element type: ONNX raw_data (src/onnx/write.ts)
 * and the engine's weights.bin (codegen/emit/weights_file.ts) store constants this way.
 */
export function tensorBytes(t: Tensor): Uint8Array {
  const info = dtypeInfo(t.dtype);
  const buf = new ArrayBuffer(t.size * info.bytes);
  const view = new DataView(buf);
  const d = t.data;
  for (let i = 0; i < d.length; i++) writeElement(view, i, t.dtype, d[i]!);
  return new Uint8Array(buf);
}

function writeElement(view: DataView, i: number, dtype: DType, v: number): void {
  switch (dtype) {
    case 'float32':
      return view.setFloat32(i * 4, v, true);
    case 'float64':
      return view.setFloat64(i * 8, v, true);
    case 'float16':
      return view.setUint16(i * 2, floatToHalfBits(v), true);
    case 'bfloat16':
      return view.setUint16(i * 2, floatToBfloat16Bits(v), true);
    case 'int8':
      return view.setInt8(i, v);
    case 'uint8':
    case 'bool':
      return view.setUint8(i, v);
    case 'int16':
      return view.setInt16(i * 2, v, true);
    case 'uint16':
      return view.setUint16(i * 2, v, true);
    case 'int32':
      return view.setInt32(i * 4, v, true);
    case 'uint32':
      return view.setUint32(i * 4, v, true);
    case 'int64':
      return view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
    case 'uint64':
      return view.setBigUint64(i * 8, BigInt(Math.trunc(v)), true);
  }
}
