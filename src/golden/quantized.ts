import type { TensorInfo } from '../ir/tensor_info.js';
import type { TypedArray } from '../typed_arrays.js';
import { toNumbers, type OutputCheck, type ReferenceTensor } from './check_output.js';
import { looksLikeDetections } from './compare.js';
import { detectionShift, type DetectionShift } from './detection_shift.js';

/**
 * The golden rules for quantized outputs (docs/golden_rules.md, "Quantized models"), where the
 * reference is onnxruntime with graph optimizations off.
 *
 * Quantized tensors: equal, except that an element may differ by ONE quantum where the float value
 * it was quantized from sits on a rounding boundary — within `tol` (relative to one quantum) of
 * k + 0.5 — because two correct implementations can round that float differently by an ulp (a
 * Sigmoid, a float product). Anything else (a difference off a boundary, two quanta) fails.
 *
 * Whole models: one flipped quantum is an input perturbation for every later layer, so final
 * detections cannot be held to an element rule. At least MIN_MATCHED of the reference's
 * detections scoring ≥ 0.25 must be found (same class, IoU ≥ 0.5); the report says how far the
 * rest moved.
 */

export const MIN_MATCHED = 0.8;

export interface QuantumCheck {
  readonly ok: boolean;
  /** Elements one quantum apart (all on boundaries when ok). */
  readonly oneQuantum: number;
  readonly problem?: string;
}

/**
 * `got` and `ref` are quantized values; `preimage[i]` is the reference's float before rounding
 * (x / scale, without the zero point). `tol` is how close to a .5 boundary counts as on it.
 */
export function compareQuantized(got: ArrayLike<number>, ref: ArrayLike<number>, preimage: ArrayLike<number>, tol = 1e-3): QuantumCheck {
  let oneQuantum = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    if (d === 0) continue;
    const p = preimage[i]!;
    const onBoundary = Math.abs(Math.abs(p - Math.floor(p)) - 0.5) <= tol;
    if (d > 1) return { ok: false, oneQuantum, problem: `element ${i}: ${got[i]} against ${ref[i]}, ${d} quanta apart` };
    if (!onBoundary) return { ok: false, oneQuantum, problem: `element ${i}: ${got[i]} against ${ref[i]}, but its value ${p} is not on a rounding boundary` };
    oneQuantum++;
  }
  return { ok: true, oneQuantum };
}

/** The whole-model rule on a detection shift (src/golden/detection_shift.ts). */
export function quantizedDetectionsOk(shift: DetectionShift, minMatched = MIN_MATCHED): boolean {
  return shift.reference === 0 ? shift.output === 0 : shift.matched >= minMatched * shift.reference;
}

/**
 * One output of a quantized model run in int8 against onnxruntime's int8 result: detections by the
 * whole-model rule (quantizedDetectionsOk); any other output by the float rule (`dense`).
 */
export function checkQuantizedOutput(info: TensorInfo, got: TypedArray, ref: ReferenceTensor, dense: () => OutputCheck): OutputCheck {
  if (!looksLikeDetections(info.shape, info.dtype) || ref.dims.join(',') !== info.shape.join(',')) return dense();
  const s = detectionShift(toNumbers(got), toNumbers(ref.data), info.shape);
  const ok = quantizedDetectionsOk(s);
  const detail =
    `${s.matched}/${s.reference} reference detections scoring >= 0.25 found (same class, IoU >= 0.5; ${MIN_MATCHED * 100}% needed; this run has ${s.output}), ` +
    `mean IoU ${s.meanIou.toFixed(3)}, min IoU ${s.minIou.toFixed(3)}, max score diff ${s.maxScoreDiff.toExponential(2)}`;
  // Position-by-position error as the float rule measured it (informative: rows may swap).
  return { ...dense(), rule: 'detections', tolerance: MIN_MATCHED, ok, detail };
}
