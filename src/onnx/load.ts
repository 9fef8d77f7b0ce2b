import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { YhcError, q } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { externalDataRoot } from './external_data.js';
import { importModel, type ImportOptions } from './import.js';
import { onnx, type OnnxModel } from './proto.js';

export type LoadOptions = Omit<ImportOptions, 'externalRoot' | 'name'>;

/** protobuf cannot encode messages over 2 GiB; anything bigger is not an ONNX model file. */
const MAX_MODEL_FILE_BYTES = 2 ** 31;

/** Decode ModelProto bytes; truncated or corrupt input becomes ONNX_DECODE naming the source. */
export function decodeModel(bytes: Uint8Array, source: string): OnnxModel {
  let model: OnnxModel;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new YhcError('ONNX_DECODE', `${source} is not a valid ONNX model (truncated or corrupt protobuf: ${(e as Error).message})`);
  }
  if (!model.graph) throw new YhcError('ONNX_DECODE', `${source} is not an ONNX model (no graph found)`);
  return model;
}

/** Read, decode, validate and import an ONNX file. External data is confined to its directory. */
export function loadModel(path: string, options: LoadOptions = {}): Graph {
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new YhcError('IO', `${q(path)} is not a regular file`);
    if (st.size > MAX_MODEL_FILE_BYTES) throw new YhcError('TENSOR_TOO_LARGE', `${q(path)} is larger than 2 GiB, the protobuf limit`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof YhcError) throw e;
    throw new YhcError('IO', `cannot read model ${q(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const model = decodeModel(bytes, q(path));
  return importModel(model, {
    ...options,
    externalRoot: externalDataRoot(dirname(path)),
    name: basename(path, extname(path)),
  });
}
