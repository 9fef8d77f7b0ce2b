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

/**
 * The whole-model rule on a detection shift (src/golden/detection_shift.ts): `minMatched` of the
 * reference's detections found. `second` is a second correct implementation of the same
 * arithmetic against the same reference (the reference interpreter: src/check/second_opinion.ts),
 * asked only when the model is unstable under an ulp: where it finds fewer than `minMatched` of
 * them itself, the reference's detections are not reproducible by anyone, and the engine is held
 * to `minMatched` of what that second implementation finds instead (docs/golden_rules.md).
 */
export function quantizedDetectionsOk(shift: DetectionShift, minMatched = MIN_MATCHED, second?: DetectionShift): boolean {
  if (shift.reference === 0) return shift.output === 0;
  return shift.matched >= minMatched * Math.min(shift.reference, second?.matched ?? shift.reference);
}

/**
 * One output of a quantized model run in int8 against onnxruntime's int8 result: detections by the
 * whole-model rule (quantizedDetectionsOk); any other output by the float rule (`dense`).
 * `second` gives the reference interpreter's shift from the same reference, or undefined where it
 * cannot run; it is asked only when the plain rule fails.
 */
export function checkQuantizedOutput(
  info: TensorInfo,
  got: TypedArray,
  ref: ReferenceTensor,
  dense: () => OutputCheck,
  second: () => DetectionShift | undefined = () => undefined,
): OutputCheck {
  if (!looksLikeDetections(info.shape, info.dtype) || ref.dims.join(',') !== info.shape.join(',')) return dense();
  const s = detectionShift(toNumbers(got), toNumbers(ref.data), info.shape);
  let ok = quantizedDetectionsOk(s);
  let unstable = '';
  if (!ok) {
    const other = second();
    if (other && !quantizedDetectionsOk(other)) {
      ok = quantizedDetectionsOk(s, MIN_MATCHED, other);
      unstable =
        `; the reference is not reproducible on this input: yhc's reference interpreter, running the same arithmetic, ` +
        `finds ${other.matched}/${other.reference} of it (mean IoU ${other.meanIou.toFixed(3)}), so ${MIN_MATCHED * 100}% of ${other.matched} needed`;
    }
  }
  const detail =
    `${s.matched}/${s.reference} reference detections scoring >= 0.25 found (same class, IoU >= 0.5; ${MIN_MATCHED * 100}% needed; this run has ${s.output}), ` +
    `mean IoU ${s.meanIou.toFixed(3)}, min IoU ${s.minIou.toFixed(3)}, max score diff ${s.maxScoreDiff.toExponential(2)}${unstable}`;
  // Position-by-position error as the float rule measured it (informative: rows may swap).
  return { ...dense(), rule: 'detections', tolerance: MIN_MATCHED, ok, detail };
}

/**
 * num_dets of a quantized model run in int8: per image, the count of the engine's own detection
 * rows (rows with a non-zero score; the rows past it are zeros). How far those rows are from the
 * reference's is the detections rule's to say: a flipped quantum moves rows across the score
 * threshold, so the count is not held to the reference's.
 */
export function checkQuantizedNumDets(
  info: TensorInfo,
  got: TypedArray,
  detections: TypedArray,
  detectionsShape: readonly number[],
  ref: ReferenceTensor,
): OutputCheck {
  const [batch, k] = detectionsShape as [number, number];
  const rows = toNumbers(detections);
  const own: number[] = [];
  for (let b = 0; b < batch; b++) {
    let n = 0;
    for (let row = 0; row < k; row++) if (rows[(b * k + row) * 6 + 4] !== 0) n++;
    own.push(n);
  }
  const counts = Array.from(toNumbers(got));
  const wrong = own.findIndex((n, b) => counts[b] !== n);
  const refCounts = Array.from(toNumbers(ref.data));
  const worst = Math.max(...counts.map((c, b) => Math.abs(c - (refCounts[b] ?? 0))));
  const detail =
    wrong < 0
      ? `counts ${counts.join(', ')} are the engine's own detection rows (onnxruntime's: ${refCounts.join(', ')}; the detections rule compares the rows)`
      : `image ${wrong}: num_dets ${counts[wrong]}, but the engine wrote ${own[wrong]} detection rows`;
  return { name: info.name, dtype: info.dtype, shape: info.shape, rule: 'dense', maxAbs: worst, maxRel: worst, tolerance: 0, ok: wrong < 0, detail };
}
