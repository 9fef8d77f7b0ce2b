import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DType } from '../dtype.js';
import { YhcError, q } from '../errors.js';
import type { TensorInfo } from '../ir/tensor_info.js';
import { checkTypedArray, typedArrayFromBytes, type TypedArray } from '../typed_arrays.js';
import { isNpy, readNpy } from '../runtime/npy.js';

/** Engine inputs from files (raw little-endian .bin or .npy) or from a directory; random ones: src/golden/random_inputs.ts. */

export function readInputFile(path: string, info: TensorInfo): TypedArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new YhcError('IO', `cannot read input file ${q(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const what = `input ${q(info.name)} from ${q(path)}`;
  let data: TypedArray;
  if (isNpy(bytes)) {
    const npy = readNpy(bytes, q(path));
    if (npy.dtype !== info.dtype) throw new YhcError('INPUT', `${what} holds ${npy.dtype}, the model takes ${info.dtype}`);
    if (npy.shape.join(',') !== info.shape.join(',')) {
      throw new YhcError('INPUT', `${what} has shape [${npy.shape.join(', ')}], the model takes [${info.shape.join(', ')}]`);
    }
    data = npy.data;
  } else {
    if (bytes.byteLength !== info.bytes) {
      throw new YhcError('INPUT', `${what} has ${bytes.byteLength} bytes; ${info.dtype}[${info.shape.join(', ')}] needs ${info.bytes}`);
    }
    data = typedArrayFromBytes(bytes, info.dtype as DType);
  }
  checkTypedArray(data, info, what);
  return data;
}

/** Only names that are plain file names can be looked up in a directory. */
const SAFE_FILE_STEM = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Inputs from a directory: NAME.bin, NAME.npy, MODEL.input.NAME.bin (the fixtures' naming), or
 * a single *.input.NAME.bin.
 */
export function readInputDir(dir: string, infos: readonly TensorInfo[], modelStem = ''): Record<string, TypedArray> {
  const out: Record<string, TypedArray> = {};
  for (const info of infos) {
    if (!SAFE_FILE_STEM.test(info.name)) {
      throw new YhcError('INPUT', `input ${q(info.name)} cannot be looked up as a file name; pass it with --input`);
    }
    const names = [`${info.name}.bin`, `${info.name}.npy`, ...(modelStem ? [`${modelStem}.input.${info.name}.bin`] : [])];
    let found = names.map((n) => join(dir, n)).find((p) => existsSync(p));
    if (!found) {
      const suffix = `.input.${info.name}.bin`;
      const matches = readdirNames(dir).filter((f) => f.endsWith(suffix));
      if (matches.length > 1) {
        throw new YhcError('INPUT', `several files in ${q(dir)} could be input ${q(info.name)} (${matches.slice(0, 3).join(', ')}); name one with --input`);
      }
      if (matches.length === 1) found = join(dir, matches[0]!);
    }
    if (!found) throw new YhcError('INPUT', `no file for input ${q(info.name)} in ${q(dir)} (looked for ${names.join(', ')}, *.input.${info.name}.bin)`);
    out[info.name] = readInputFile(found, info);
  }
  return out;
}

function readdirNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
