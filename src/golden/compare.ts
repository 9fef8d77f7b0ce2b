/**
 * The golden-comparison rules (docs/golden_rules.md), written once.
 *
 * Dense outputs: max |got − ref| ≤ rtol · max(1, max |ref|)   (rtol 1e-4 for fp32, 1e-2 for fp16);
 * NaN must meet NaN.
 *
 * Detections [B, K, 6] = x1, y1, x2, y2, score, class: random-weight heads produce near-equal
 * scores, so the order among near-ties is not defined by the arithmetic. Both sides are sorted
 * by score; every reference row must be matched by a distinct output row with the same class,
 * score and box within tolerance — rows whose scores lie within tolerance of each other may
 * therefore swap places — except that reference rows whose score is within tolerance of the
 * cut-off (the lowest kept score) may be replaced by another output row that is also within
 * tolerance of the cut-off. Scores may have a tolerance of their own (fp16: FP16_SCORE_RTOL).
 */

export const FP32_RTOL = 1e-4;
export const FP16_RTOL = 1e-2;
/**
 * Detection scores of fp16 builds: half storage through ~60 layers moves the whole-model fixtures'
 * scores by up to 0.0175 on its own (onnxruntime with the half roundings inserted, no yhc kernel
 * involved; measurements in docs/golden_rules.md), so 1e-2 would fail a correct fp16 engine.
 */
export const FP16_SCORE_RTOL = 3e-2;

export interface DenseComparison {
  readonly ok: boolean;
  readonly maxAbs: number;
  /** maxAbs / max(1, max |ref|): what the tolerance bounds. */
  readonly maxRel: number;
  readonly tolerance: number;
  /** First index where the tolerance (or NaN agreement) fails, else -1. */
  readonly firstBad: number;
  readonly count: number;
}

export function compareDense(got: ArrayLike<number>, ref: ArrayLike<number>, rtol = FP32_RTOL): DenseComparison {
  if (got.length !== ref.length) {
    return { ok: false, maxAbs: Infinity, maxRel: Infinity, tolerance: 0, firstBad: 0, count: ref.length };
  }
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(ref[i]!);
    if (Number.isFinite(r) && r > refMax) refMax = r;
  }
  const scale = Math.max(1, refMax);
  const tolerance = rtol * scale;
  let maxAbs = 0;
  let firstBad = -1;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!;
    const r = ref[i]!;
    let d: number;
    if (Number.isNaN(r) || Number.isNaN(g)) d = Number.isNaN(r) && Number.isNaN(g) ? 0 : Infinity;
    else if (!Number.isFinite(r) || !Number.isFinite(g)) d = g === r ? 0 : Infinity;
    else d = Math.abs(g - r);
    if (d > maxAbs) maxAbs = d;
    if (d > tolerance && firstBad < 0) firstBad = i;
  }
  return { ok: firstBad < 0, maxAbs, maxRel: maxAbs / scale, tolerance, firstBad, count: ref.length };
}

export interface DetectionRow {
  readonly box: readonly [number, number, number, number];
  readonly score: number;
  readonly cls: number;
  /** Row index in the original output. */
  readonly index: number;
}

export interface DetectionComparison {
  readonly ok: boolean;
  /** Reference rows matched by an output row within tolerance. */
  readonly matched: number;
  /** Reference rows left unmatched but allowed (replaced at the cut-off). */
  readonly replacedAtCutoff: number;
  readonly rows: number;
  readonly maxScoreDiff: number;
  readonly maxBoxDiff: number;
  readonly scoreTolerance: number;
  readonly boxTolerance: number;
  /** Why it failed, naming the batch and reference row. */
  readonly problem: string | null;
}

function rowsOf(data: ArrayLike<number>, batch: number, k: number): DetectionRow[] {
  const rows: DetectionRow[] = [];
  for (let i = 0; i < k; i++) {
    const o = (batch * k + i) * 6;
    rows.push({ box: [data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!], score: data[o + 4]!, cls: data[o + 5]!, index: i });
  }
  // Sort by score, descending; stable so equal scores keep their order.
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.score - a.r.score || a.i - b.i)
    .map((x) => x.r);
}

/** Compare detection tensors of shape [batch, k, 6] by the rule above; scores at scoreRtol (default: rtol). */
export function compareDetections(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  shape: readonly number[],
  rtol = FP32_RTOL,
  scoreRtol = rtol,
): DetectionComparison {
  const [batches, k] = [shape[0]!, shape[1]!];
  let boxMax = 0;
  let scoreMax = 0;
  for (let i = 0; i < ref.length; i += 6) {
    for (let c = 0; c < 4; c++) if (Number.isFinite(ref[i + c]!)) boxMax = Math.max(boxMax, Math.abs(ref[i + c]!));
    if (Number.isFinite(ref[i + 4]!)) scoreMax = Math.max(scoreMax, Math.abs(ref[i + 4]!));
  }
  const boxTolerance = rtol * Math.max(1, boxMax);
  const scoreTolerance = scoreRtol * Math.max(1, scoreMax);
  let matched = 0;
  let replacedAtCutoff = 0;
  let maxScoreDiff = 0;
  let maxBoxDiff = 0;
  let problem: string | null = got.length === ref.length ? null : `output has ${got.length} values, reference ${ref.length}`;

  for (let b = 0; b < batches && !problem; b++) {
    const R = rowsOf(ref, b, k);
    const G = rowsOf(got, b, k);
    const boxDiff = (r: DetectionRow, g: DetectionRow) => Math.max(...r.box.map((v, c) => Math.abs(v - g.box[c]!)));
    const fits = (r: DetectionRow, g: DetectionRow) => r.cls === g.cls && Math.abs(r.score - g.score) <= scoreTolerance && boxDiff(r, g) <= boxTolerance;

    // Maximum bipartite matching (Kuhn's augmenting paths); candidates are few per row.
    const candidates = R.map((r) => G.map((g, j) => (fits(r, g) ? j : -1)).filter((j) => j >= 0));
    const owner = new Array<number>(G.length).fill(-1);
    const augment = (i: number, seen: boolean[]): boolean => {
      for (const j of candidates[i]!) {
        if (seen[j]) continue;
        seen[j] = true;
        if (owner[j]! < 0 || augment(owner[j]!, seen)) {
          owner[j] = i;
          return true;
        }
      }
      return false;
    };
    R.forEach((_, i) => augment(i, new Array<boolean>(G.length).fill(false)));
    const matchOf = new Array<number>(R.length).fill(-1);
    owner.forEach((i, j) => i >= 0 && (matchOf[i] = j));

    const cutoff = R.length ? R[R.length - 1]!.score : 0;
    const nearCutoff = (row: DetectionRow) => Math.abs(row.score - cutoff) <= scoreTolerance;
    R.forEach((r, i) => {
      const j = matchOf[i]!;
      if (j >= 0) {
        matched++;
        maxScoreDiff = Math.max(maxScoreDiff, Math.abs(r.score - G[j]!.score));
        maxBoxDiff = Math.max(maxBoxDiff, boxDiff(r, G[j]!));
      } else if (nearCutoff(r)) {
        replacedAtCutoff++;
      } else if (!problem) {
        problem = `batch ${b}: reference row ${r.index} (class ${r.cls}, score ${r.score}) has no matching output row`;
      }
    });
    G.forEach((g, j) => {
      if (owner[j]! < 0 && !nearCutoff(g) && !problem) {
        problem = `batch ${b}: output row ${g.index} (class ${g.cls}, score ${g.score}) matches no reference row`;
      }
    });
  }
  return {
    ok: problem === null,
    matched,
    replacedAtCutoff,
    rows: batches * k,
    maxScoreDiff,
    maxBoxDiff,
    scoreTolerance,
    boxTolerance,
    problem,
  };
}

/** The output names of the detection contract (README, "The detections: output contract"). */
export const DETECTIONS_OUTPUT = 'detections';
export const NUM_DETS_OUTPUT = 'num_dets';

/** Whether an output is compared as detections: [B, K, 6] float. */
export function looksLikeDetections(shape: readonly number[], dtype: string): boolean {
  return shape.length === 3 && shape[2] === 6 && (dtype === 'float32' || dtype === 'float16');
}
