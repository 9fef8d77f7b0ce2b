/**
 * How far detections moved between two runs that are not meant to agree to rounding: a
 * quantized model run in float (`--dequantize`) against onnxruntime's int8 result. Rows are
 * `x1, y1, x2, y2, score, class`; per image, the reference's rows scoring at least `conf` are
 * matched greedily, highest score first, to the unmatched output row of the same class with the
 * largest IoU (at least `minIou`). The shift is what the matched pairs differ by, and how many
 * rows on either side found no partner (docs/golden_rules.md, "Quantized models").
 */

export interface DetectionShift {
  /** Reference rows scoring ≥ conf, over all images. */
  readonly reference: number;
  /** Output rows scoring ≥ conf. */
  readonly output: number;
  readonly matched: number;
  /** Largest |score difference| and smallest IoU among matched pairs (0 and 1 when none). */
  readonly maxScoreDiff: number;
  readonly minIou: number;
  readonly meanIou: number;
}

export interface ShiftOptions {
  readonly conf?: number;
  readonly minIou?: number;
}

function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const ix = Math.max(0, Math.min(a[i + 2]!, b[j + 2]!) - Math.max(a[i]!, b[j]!));
  const iy = Math.max(0, Math.min(a[i + 3]!, b[j + 3]!) - Math.max(a[i + 1]!, b[j + 1]!));
  const inter = ix * iy;
  const area = (x: ArrayLike<number>, k: number) => Math.max(0, x[k + 2]! - x[k]!) * Math.max(0, x[k + 3]! - x[k + 1]!);
  const union = area(a, i) + area(b, j) - inter;
  return union > 0 ? inter / union : 0;
}

export function detectionShift(got: ArrayLike<number>, ref: ArrayLike<number>, shape: readonly number[], options: ShiftOptions = {}): DetectionShift {
  const conf = options.conf ?? 0.25;
  const minIou = options.minIou ?? 0.5;
  const [batch, k] = [shape[0]!, shape[1]!];
  let reference = 0;
  let output = 0;
  let matched = 0;
  let maxScoreDiff = 0;
  let minIouSeen = 1;
  let iouSum = 0;
  for (let b = 0; b < batch; b++) {
    const rows = (x: ArrayLike<number>) =>
      Array.from({ length: k }, (_, r) => (b * k + r) * 6)
        .filter((o) => x[o + 4]! >= conf)
        .sort((p, q) => x[q + 4]! - x[p + 4]!);
    const refRows = rows(ref);
    const outRows = rows(got);
    reference += refRows.length;
    output += outRows.length;
    const taken = new Set<number>();
    for (const r of refRows) {
      let best = -1;
      let bestIou = minIou;
      for (const o of outRows) {
        if (taken.has(o) || got[o + 5] !== ref[r + 5]) continue;
        const v = iou(ref, r, got, o);
        if (v >= bestIou) {
          best = o;
          bestIou = v;
        }
      }
      if (best < 0) continue;
      taken.add(best);
      matched++;
      maxScoreDiff = Math.max(maxScoreDiff, Math.abs(got[best + 4]! - ref[r + 4]!));
      minIouSeen = Math.min(minIouSeen, bestIou);
      iouSum += bestIou;
    }
  }
  return { reference, output, matched, maxScoreDiff, minIou: minIouSeen, meanIou: matched ? iouSum / matched : 1 };
}
