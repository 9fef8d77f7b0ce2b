import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { YhcError, q } from '../errors.js';
import { exactInt64, type onnxTypes } from './proto.js';

/**
 * External tensor data is read only from regular files inside the model's directory, as ONNX's
 * Security.md recommends: the location must be relative, may not climb out with `..`, may not be
 * or pass through a symlink, and offset + length must lie inside the file.
 */
export interface ExternalDataRoot {
  /** Real path of the directory holding the model. */
  readonly dir: string;
}

export function externalDataRoot(modelDir: string): ExternalDataRoot {
  return { dir: realpathSync(modelDir) };
}

function entries(list: readonly onnxTypes.IStringStringEntryProto[]): Map<string, string> {
  return new Map(list.map((e) => [e.key ?? '', e.value ?? '']));
}

/** Resolve and vet a location; returns the real path of a regular file inside `root.dir`. */
export function resolveExternalLocation(root: ExternalDataRoot, location: string, what: string): string {
  const bad = (why: string) => new YhcError('EXTERNAL_DATA', `${what}: external data location ${q(location)} ${why}`);
  if (location === '') throw bad('is empty');
  if (location.includes('\0')) throw bad('contains a NUL character');
  if (isAbsolute(location) || /^[A-Za-z]:/.test(location) || location.startsWith('\\')) {
    throw bad('is an absolute path; it must be relative to the model directory');
  }
  const parts = location.split(/[\\/]+/);
  if (parts.includes('..')) throw bad('climbs out of the model directory with ".."');
  const candidate = join(root.dir, ...parts);
  let st;
  try {
    st = lstatSync(candidate);
  } catch {
    throw bad('does not exist next to the model');
  }
  if (st.isSymbolicLink()) throw bad('is a symbolic link, which yhc refuses to follow');
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw bad('cannot be resolved');
  }
  const rel = relative(root.dir, real);
  // A symlinked directory on the way makes the real path differ from the lexical one.
  if (real !== candidate || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw bad('resolves outside the model directory (through a symbolic link)');
  }
  if (!st.isFile()) throw bad('is not a regular file');
  return real;
}

/** Read `expectedBytes` bytes of external data described by `externalData` entries. */
export function readExternalData(
  root: ExternalDataRoot,
  externalData: readonly onnxTypes.IStringStringEntryProto[],
  expectedBytes: number,
  what: string,
): Uint8Array {
  const e = entries(externalData);
  const location = e.get('location');
  if (location === undefined) throw new YhcError('EXTERNAL_DATA', `${what} has external data without a location`);
  const path = resolveExternalLocation(root, location, what);
  const offset = parseField(e.get('offset'), 0, 'offset', what);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = parseField(e.get('length'), size - offset, 'length', what);
    if (offset > size || offset + length > size) {
      throw new YhcError('EXTERNAL_DATA', `${what}: external data range [${offset}, ${offset + length}) lies outside ${q(location)} (${size} bytes)`);
    }
    if (length !== expectedBytes) {
      throw new YhcError('TENSOR_SIZE', `${what}: external data holds ${length} bytes, but the tensor's shape and type need ${expectedBytes}`);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const got = readSync(fd, out, done, length - done, offset + done);
      if (got <= 0) throw new YhcError('EXTERNAL_DATA', `${what}: ${q(location)} ended early`);
      done += got;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function parseField(text: string | undefined, fallback: number, field: string, what: string): number {
  if (text === undefined) return fallback;
  const n = /^\d{1,16}$/.test(text) ? exactInt64(Number(text)) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new YhcError('EXTERNAL_DATA', `${what}: external data ${field} ${q(text)} is not a valid byte count`);
  }
  return n;
}
