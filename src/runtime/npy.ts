import { type DType } from '../dtype.js';
import { YhcError } from '../errors.js';
import { typedArrayFromBytes, type TypedArray } from '../typed_arrays.js';

/** NumPy .npy files (format 1.0–3.0, little-endian, C order) for `yhc run` and `yhc check`. */

const DESCR: Record<string, DType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<f2': 'float16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '|b1': 'bool',
  '<i2': 'int16',
  '<u2': 'uint16',
  '<i4': 'int32',
  '<u4': 'uint32',
  '<i8': 'int64',
  '<u8': 'uint64',
};

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 10 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY';
}

export function readNpy(bytes: Uint8Array, what: string): { dtype: DType; shape: number[]; data: TypedArray } {
  if (!isNpy(bytes)) throw new YhcError('INPUT', `${what} is not a .npy file`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new YhcError('INPUT', `${what} has an unreadable .npy header`);
  const dtype = DESCR[descr];
  if (!dtype) throw new YhcError('INPUT', `${what} has element type ${descr}; yhc reads little-endian numeric .npy files`);
  if (fortran === 'True') throw new YhcError('INPUT', `${what} is in Fortran order; save it in C order`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  return { dtype, shape, data: typedArrayFromBytes(bytes.subarray(start + headerLen), dtype) };
}

export function writeNpy(dtype: DType, shape: readonly number[], data: TypedArray): Uint8Array {
  const descr = Object.entries(DESCR).find(([, d]) => d === dtype)![0];
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
