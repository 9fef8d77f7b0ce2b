import { readFileSync } from 'node:fs';
import { bfloat16BitsToFloat, dtypeFromOnnx, dtypeInfo, halfBitsToFloat, type DType } from '../dtype.js';
import { YhcError, listText, q } from '../errors.js';
import { storageFor, Tensor } from '../tensor.js';
import { readExternalData, type ExternalDataRoot } from './external_data.js';
import { exactInt64, int64, onnx, type OnnxTensor } from './proto.js';

/** Default cap on one tensor's size in bytes (initializers and every inferred activation). */
export const DEFAULT_MAX_TENSOR_BYTES = 2 ** 31;

export interface TensorDecodeOptions {
  /** Where external data may be read from; absent means external data is refused. */
  externalRoot?: ExternalDataRoot;
  maxTensorBytes?: number;
}

/**
 * Element count of `dims`, refusing negative or non-integer dims and anything whose byte size
 * exceeds `maxBytes` — checked as the product grows, so no overflow is possible.
 */
export function checkedElementCount(dims: readonly number[], elementBytes: number, maxBytes: number, what: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new YhcError('ONNX_INVALID', `${what} has an invalid dimension ${d} in ${listText(dims, ', ')}`);
    }
    n *= d;
    if (n * elementBytes > maxBytes) {
      throw new YhcError('TENSOR_TOO_LARGE', `${what} with shape ${listText(dims, ', ')} is larger than the limit of ${maxBytes} bytes`);
    }
  }
  return n;
}

/** Decode a TensorProto into a Tensor: raw_data, typed fields, float16/bfloat16, external data. */
export function tensorFromProto(t: OnnxTensor, what: string, options: TensorDecodeOptions = {}): Tensor {
  const label = `${what} ${q(t.name ?? '')}`;
  if (t.segment) throw new YhcError('ONNX_INVALID', `${label} is a segmented tensor, which yhc does not support`);
  const dtype = dtypeFromOnnx(t.dataType ?? 0, label);
  const dims = (t.dims ?? []).map(exactInt64);
  const info = dtypeInfo(dtype);
  const n = checkedElementCount(dims, info.bytes, options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES, label);
  const data = storageFor(dtype, n);

  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    if (!options.externalRoot) {
      throw new YhcError('EXTERNAL_DATA', `${label} stores its data externally, but the model was not loaded from a file`);
    }
    const bytes = readExternalData(options.externalRoot, t.externalData ?? [], n * info.bytes, label);
    decodeRaw(bytes, dtype, data);
  } else if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * info.bytes) {
      throw new YhcError(
        'TENSOR_SIZE',
        `${label} has ${t.rawData.length} bytes of raw_data, but shape ${listText(dims, ', ')} of ${dtype} needs ${n * info.bytes}`,
      );
    }
    decodeRaw(t.rawData, dtype, data);
  } else {
    decodeTypedField(t, dtype, data, label, dims);
  }
  return new Tensor(dtype, dims, data);
}

/** Little-endian raw bytes into storage. Copies first: protobuf views can sit at odd offsets. */
function decodeRaw(src: Uint8Array, dtype: DType, out: Float32Array | Float64Array): void {
  const bytes = new Uint8Array(src);
  const view = new DataView(bytes.buffer);
  const n = out.length;
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return;
    case 'float64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return;
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = halfBitsToFloat(view.getUint16(i * 2, true));
      return;
    case 'bfloat16':
      for (let i = 0; i < n; i++) out[i] = bfloat16BitsToFloat(view.getUint16(i * 2, true));
      return;
    case 'int8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return;
    case 'uint8':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      return;
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i) !== 0 ? 1 : 0;
      return;
    case 'int16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return;
    case 'uint16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, true);
      return;
    case 'int32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return;
    case 'uint32':
      for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true);
      return;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return;
    case 'uint64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(i * 8, true));
      return;
  }
}

/** The typed repeated fields, as TensorProto documents which field holds which type. */
function decodeTypedField(t: OnnxTensor, dtype: DType, out: Float32Array | Float64Array, label: string, dims: number[]): void {
  let values: ArrayLike<number>;
  let field: string;
  switch (dtype) {
    case 'float32':
      values = t.floatData ?? [];
      field = 'float_data';
      break;
    case 'float64':
      values = t.doubleData ?? [];
      field = 'double_data';
      break;
    case 'int64':
      values = (t.int64Data ?? []).map(int64);
      field = 'int64_data';
      break;
    case 'uint32':
    case 'uint64':
      // uint64_data holds unsigned 64-bit values; protobufjs decodes them as signed Longs.
      values = (t.uint64Data ?? []).map((v) => (typeof v === 'number' ? v : v.toUnsigned().toNumber()));
      field = 'uint64_data';
      break;
    case 'float16':
      values = (t.int32Data ?? []).map((bits) => halfBitsToFloat(bits & 0xffff));
      field = 'int32_data';
      break;
    case 'bfloat16':
      values = (t.int32Data ?? []).map((bits) => bfloat16BitsToFloat(bits & 0xffff));
      field = 'int32_data';
      break;
    default:
      values = t.int32Data ?? [];
      field = 'int32_data';
  }
  if (values.length !== out.length) {
    throw new YhcError('TENSOR_SIZE', `${label} has ${values.length} values in ${field}, but shape ${listText(dims, ', ')} needs ${out.length}`);
  }
  for (let i = 0; i < out.length; i++) out[i] = dtype === 'bool' ? (values[i] ? 1 : 0) : values[i]!;
}

/** Read a serialized TensorProto file (the .pb files of ONNX's conformance tests). */
export function readTensorProtoFile(path: string): { name: string; tensor: Tensor } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new YhcError('IO', `cannot read ${q(path)}: ${(e as Error).message}`);
  }
  let proto: OnnxTensor;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new YhcError('ONNX_DECODE', `${q(path)} is not a valid TensorProto: ${(e as Error).message}`);
  }
  return { name: proto.name ?? '', tensor: tensorFromProto(proto, 'tensor') };
}
