import { YhcError, q } from '../errors.js';
import type { OnnxModel } from './proto.js';

/** Cap on all metadata_props keys and values together (UTF-16 units); real exports write a few KiB. */
export const MAX_METADATA_CHARS = 1 << 20;

/** ModelProto.metadata_props as a key → value map (a repeated key keeps its last value). */
export function readMetadataProps(model: OnnxModel): Map<string, string> {
  const props = new Map<string, string>();
  let total = 0;
  for (const entry of model.metadataProps ?? []) {
    const key = entry.key ?? '';
    const value = entry.value ?? '';
    total += key.length + value.length;
    if (total > MAX_METADATA_CHARS) {
      throw new YhcError('ONNX_INVALID', `metadata_props entry ${q(key)} takes the model's metadata over ${MAX_METADATA_CHARS} characters`);
    }
    props.set(key, value);
  }
  return props;
}
