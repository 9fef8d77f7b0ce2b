import { YhcError } from '../errors.js';
import type { TensorInfo } from '../ir/tensor_info.js';
import type { TypedArray } from '../typed_arrays.js';
import type { OutputCheck, ReferenceTensor } from './check_output.js';
import { looksLikeDetections, NUM_DETS_OUTPUT } from './compare.js';

/** Reference outputs by name. */
export type Reference = Record<string, ReferenceTensor>;

/** The reference's detections output [B, K, 6], by name. */
export function detectionsOf(reference: Reference): [string, ReferenceTensor] {
  const entry = Object.entries(reference).find(([, r]) => looksLikeDetections(r.dims, 'float32'));
  if (!entry) throw new YhcError('RUNTIME', 'onnxruntime produced no detections [B, K, 6] to apply --conf to');
  return entry;
}

/**
 * What `--conf T` does, applied to onnxruntime's detections [B, K, 6] (the original model has no
 * threshold): rows scoring under T (or NaN) become zeros, and num_dets counts the rest.
 */
export function thresholdReference(reference: Reference, conf: number): Reference {
  const [name, r] = detectionsOf(reference);
  const [batch, k] = [r.dims[0]!, r.dims[1]!];
  const data = Float32Array.from(r.data as Float32Array);
  const numDets = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let row = 0; row < k; row++) {
      const o = (b * k + row) * 6;
      if (data[o + 4]! >= conf) numDets[b]!++;
      else data.fill(0, o, o + 6);
    }
  }
  return { ...reference, [name]: { dims: r.dims, data }, [NUM_DETS_OUTPUT]: { dims: [batch], data: numDets } };
}

/**
 * num_dets: equal to the reference's count, give or take the rows of the reference's detections
 * (before thresholding) that score within tolerance of the threshold.
 */
export function checkNumDets(
  info: TensorInfo,
  got: TypedArray,
  ref: { data: TypedArray },
  detections: ReferenceTensor,
  conf: number,
  rtol: number,
): OutputCheck {
  const k = detections.dims[1]!;
  const rows = detections.data as Float32Array;
  const tolerance = rtol * Math.max(1, conf);
  let worst = 0;
  let ok = true;
  for (let b = 0; b < ref.data.length; b++) {
    let near = 0;
    for (let row = 0; row < k; row++) if (Math.abs(rows[(b * k + row) * 6 + 4]! - conf) <= tolerance) near++;
    const diff = Math.abs(Number(got[b]) - Number(ref.data[b]));
    worst = Math.max(worst, diff);
    if (diff > near) ok = false;
  }
  const detail = ok
    ? `counts match (max difference ${worst}, within the rows at the threshold)`
    : `image counts ${Array.from(got as Int32Array).join(', ')}, expected ${Array.from(ref.data as Int32Array).join(', ')}`;
  return { name: info.name, dtype: info.dtype, shape: info.shape, rule: 'dense', maxAbs: worst, maxRel: worst, tolerance: 0, ok, detail };
}
