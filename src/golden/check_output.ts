import type { TensorInfo } from '../ir/tensor_info.js';
import type { TypedArray } from '../typed_arrays.js';
import { compareDense, compareDetections, FP32_RTOL, looksLikeDetections } from './compare.js';

/** One output compared with its reference: the rule applied, the error, and the verdict. */
export interface OutputCheck {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rule: 'dense' | 'detections';
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly tolerance: number;
  readonly ok: boolean;
  readonly detail: string;
}

/** A reference output: its dims and values. */
export interface ReferenceTensor {
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

export const toNumbers = (a: TypedArray): ArrayLike<number> => (a instanceof BigInt64Array || a instanceof BigUint64Array ? Array.from(a, Number) : a);

/** Compare one output with the reference by the rule its shape calls for (detection scores at scoreRtol). */
export function checkOutput(info: TensorInfo, got: TypedArray, ref: ReferenceTensor, rtol = FP32_RTOL, scoreRtol = rtol): OutputCheck {
  const base = { name: info.name, dtype: info.dtype, shape: info.shape };
  if (ref.dims.join(',') !== info.shape.join(',')) {
    return { ...base, rule: 'dense', maxAbs: Infinity, maxRel: Infinity, tolerance: 0, ok: false, detail: `reference shape is [${ref.dims.join(', ')}]` };
  }
  const dense = compareDense(toNumbers(got), toNumbers(ref.data), rtol);
  if (looksLikeDetections(info.shape, info.dtype)) {
    const det = compareDetections(toNumbers(got), toNumbers(ref.data), info.shape, rtol, scoreRtol);
    const detail = det.ok
      ? `${det.matched}/${det.rows} rows matched${det.replacedAtCutoff ? `, ${det.replacedAtCutoff} replaced at the cut-off` : ''}; max score diff ${det.maxScoreDiff.toExponential(2)}, max box diff ${det.maxBoxDiff.toExponential(2)}`
      : det.problem!;
    return { ...base, rule: 'detections', maxAbs: dense.maxAbs, maxRel: dense.maxRel, tolerance: det.scoreTolerance, ok: det.ok, detail };
  }
  const detail = dense.ok
    ? `max |diff| ${dense.maxAbs.toExponential(2)} <= ${dense.tolerance.toExponential(2)}`
    : `element ${dense.firstBad} is off: got ${toNumbers(got)[dense.firstBad]}, expected ${toNumbers(ref.data)[dense.firstBad]}`;
  return { ...base, rule: 'dense', maxAbs: dense.maxAbs, maxRel: dense.maxRel, tolerance: dense.tolerance, ok: dense.ok, detail };
}
