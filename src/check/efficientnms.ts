import { YhcError, q } from '../errors.js';
import { NUM_DETS_OUTPUT } from '../golden/compare.js';
import { detectionsOf, type Reference } from '../golden/num_dets.js';
import type { TensorInfo } from '../ir/tensor_info.js';
import type { TypedArray } from '../typed_arrays.js';

/** What `yhc check` compares for an engine with `--outputs efficientnms`. */
export interface Comparable {
  readonly infos: TensorInfo[];
  readonly outputs: TypedArray[];
  readonly reference: Reference;
}

/**
 * An engine's EfficientNMS outputs (passes/efficientnms_outputs.ts) put back together as the
 * detections [B, K, 6] they were cut from, so `yhc check` compares them by the detections rule
 * (rows may swap where scores tie) instead of tensor by tensor. num_detections is compared with
 * the reference's num_dets (with --conf or --decode nms) or, without one, with the count of
 * reference rows scoring above 0.
 */
export function assembleEfficientNms(infos: readonly TensorInfo[], outputs: readonly TypedArray[], reference: Reference): Comparable {
  const get = (name: string): TypedArray => {
    const i = infos.findIndex((info) => info.name === name);
    if (i < 0) throw new YhcError('RUNTIME', `the engine has no output ${q(name)}; was it compiled with --outputs efficientnms?`);
    return outputs[i]!;
  };
  const count = get('num_detections') as Int32Array;
  const boxes = get('detection_boxes') as Float32Array;
  const scores = get('detection_scores') as Float32Array;
  const classes = get('detection_classes') as Int32Array;
  const [detName, ref] = detectionsOf(reference);
  const [batch, k] = [ref.dims[0]!, ref.dims[1]!];
  const detections = new Float32Array(batch * k * 6);
  for (let row = 0; row < batch * k; row++) {
    detections.set(boxes.subarray(row * 4, row * 4 + 4), row * 6);
    detections[row * 6 + 4] = scores[row]!;
    detections[row * 6 + 5] = classes[row]!;
  }
  const detInfo: TensorInfo = { name: detName, dtype: 'float32', shape: [batch, k, 6], bytes: detections.byteLength };
  if (reference[NUM_DETS_OUTPUT]) {
    const numDets: TensorInfo = { name: NUM_DETS_OUTPUT, dtype: 'int32', shape: [batch], bytes: batch * 4 };
    return { infos: [detInfo, numDets], outputs: [detections, Int32Array.from(count)], reference };
  }
  const refCount = new Int32Array(batch);
  for (let b = 0; b < batch; b++) for (let row = 0; row < k; row++) if (ref.data[(b * k + row) * 6 + 4]! > 0) refCount[b]!++;
  const countInfo: TensorInfo = { name: 'num_detections', dtype: 'int32', shape: [batch, 1], bytes: batch * 4 };
  return { infos: [detInfo, countInfo], outputs: [detections, count], reference: { ...reference, num_detections: { dims: [batch, 1], data: refCount } } };
}
