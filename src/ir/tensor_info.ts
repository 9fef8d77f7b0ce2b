import { dtypeInfo } from '../dtype.js';
import { numel } from '../tensor.js';
import type { Value } from './graph.js';

/** A tensor as an engine's caller sees it: what manifest.json lists for every input and output. */
export interface TensorInfo {
  /** Name in the model (untrusted text: never generated into code). */
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: number;
}

/** Bytes of a value's dense storage. */
export const valueBytes = (v: Value): number => numel(v.shape) * dtypeInfo(v.dtype).bytes;

export function tensorInfo(v: Value): TensorInfo {
  return { name: v.name, dtype: v.dtype, shape: [...v.shape], bytes: valueBytes(v) };
}
