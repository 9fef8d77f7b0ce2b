"""The golden-comparison rules of src/golden/compare.ts, for machines without Node (the GPU box).

Dense: max |got - ref| <= rtol * max(1, max |ref|); NaN must meet NaN.
Detections [B, K, 6] (x1, y1, x2, y2, score, class): sorted by score, every reference row is
matched by a distinct output row with the same class and score/box within tolerance (so
near-ties may swap); reference rows within tolerance of the cut-off score may be replaced by
output rows that are also within tolerance of the cut-off.
Quantized detections (src/golden/detection_shift.ts, quantized.ts): a model run in int8 finds
at least 80% of the reference's detections scoring >= 0.25 (same class, IoU >= 0.5, greedy
from the highest score).

Pure Python (no numpy). `python3 yhc_compare.py --cases test/golden/compare_cases.json` runs
the case table both implementations are tested on.
"""
import json
import math
import sys

FP32_RTOL = 1e-4
FP16_RTOL = 1e-2  # builds with --precision fp16
FP16_SCORE_RTOL = 3e-2  # their detection scores (docs/golden_rules.md: fp16 storage alone moves scores ~0.01-0.02)


def _diff(g, r):
    if math.isnan(g) or math.isnan(r):
        return 0.0 if (math.isnan(g) and math.isnan(r)) else math.inf
    if math.isinf(g) or math.isinf(r):
        return 0.0 if g == r else math.inf
    return abs(g - r)


def compare_dense(got, ref, rtol=FP32_RTOL):
    if len(got) != len(ref):
        return {"ok": False, "max_abs": math.inf, "max_rel": math.inf, "tolerance": 0.0}
    scale = max([1.0] + [abs(r) for r in ref if math.isfinite(r)])
    tolerance = rtol * scale
    max_abs = max([0.0] + [_diff(g, r) for g, r in zip(got, ref)])
    return {"ok": max_abs <= tolerance, "max_abs": max_abs, "max_rel": max_abs / scale, "tolerance": tolerance}


def _rows(data, batch, k):
    rows = [(data[(batch * k + i) * 6 : (batch * k + i) * 6 + 6], i) for i in range(k)]
    # Sort by score descending; stable, so equal scores keep their order.
    return sorted(rows, key=lambda row: -row[0][4])


def compare_detections(got, ref, shape, rtol=FP32_RTOL, score_rtol=None):
    batches, k = shape[0], shape[1]
    boxes = [abs(v) for i in range(0, len(ref), 6) for v in ref[i : i + 4] if math.isfinite(v)]
    scores = [abs(ref[i + 4]) for i in range(0, len(ref), 6) if math.isfinite(ref[i + 4])]
    box_tol = rtol * max([1.0] + boxes)
    score_tol = (rtol if score_rtol is None else score_rtol) * max([1.0] + scores)
    result = {"ok": True, "matched": 0, "replaced_at_cutoff": 0, "rows": batches * k, "max_score_diff": 0.0,
              "max_box_diff": 0.0, "problem": None}
    if len(got) != len(ref):
        result.update(ok=False, problem=f"output has {len(got)} values, reference {len(ref)}")
        return result
    for b in range(batches):
        R, G = _rows(ref, b, k), _rows(got, b, k)

        def box_diff(r, g):
            return max(_diff(g[0][c], r[0][c]) for c in range(4))

        def fits(r, g):
            return r[0][5] == g[0][5] and _diff(g[0][4], r[0][4]) <= score_tol and box_diff(r, g) <= box_tol

        by_class = {}  # output rows per class, in order: a row only ever fits one of its class
        for j, g in enumerate(G):
            by_class.setdefault(g[0][5], []).append(j)
        candidates = [[j for j in by_class.get(r[0][5], []) if fits(r, G[j])] for r in R]
        owner = [-1] * len(G)

        def augment(i, seen):  # Kuhn's augmenting path
            for j in candidates[i]:
                if seen[j]:
                    continue
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
            return False

        for i in range(len(R)):
            augment(i, [False] * len(G))
        match = [-1] * len(R)
        for j, i in enumerate(owner):
            if i >= 0:
                match[i] = j
        cutoff = R[-1][0][4] if R else 0.0
        near_cutoff = lambda row: _diff(row[0][4], cutoff) <= score_tol  # noqa: E731
        for i, r in enumerate(R):
            if match[i] >= 0:
                g = G[match[i]]
                result["matched"] += 1
                result["max_score_diff"] = max(result["max_score_diff"], _diff(g[0][4], r[0][4]))
                result["max_box_diff"] = max(result["max_box_diff"], box_diff(r, g))
            elif near_cutoff(r):
                result["replaced_at_cutoff"] += 1
            elif result["problem"] is None:
                result["problem"] = f"batch {b}: reference row {r[1]} (class {r[0][5]}, score {r[0][4]}) has no matching output row"
        for j, g in enumerate(G):
            if owner[j] < 0 and not near_cutoff(g) and result["problem"] is None:
                result["problem"] = f"batch {b}: output row {g[1]} (class {g[0][5]}, score {g[0][4]}) matches no reference row"
    result["ok"] = result["problem"] is None
    return result


QUANTIZED_MIN_MATCHED = 0.8


def _iou(a, i, b, j):
    ix = max(0.0, min(a[i + 2], b[j + 2]) - max(a[i], b[j]))
    iy = max(0.0, min(a[i + 3], b[j + 3]) - max(a[i + 1], b[j + 1]))
    inter = ix * iy

    def area(x, k):
        return max(0.0, x[k + 2] - x[k]) * max(0.0, x[k + 3] - x[k + 1])

    union = area(a, i) + area(b, j) - inter
    return inter / union if union > 0 else 0.0


def detection_shift(got, ref, shape, conf=0.25, min_iou=0.5):
    """How far detections moved (detectionShift in src/golden/detection_shift.ts): each reference
    row scoring >= conf, highest first, takes the unmatched output row of its class with the
    largest IoU >= min_iou."""
    batch, k = shape[0], shape[1]
    reference = output = matched = 0
    max_score_diff, min_iou_seen, iou_sum = 0.0, 1.0, 0.0
    for b in range(batch):
        def rows(x):
            offsets = [(b * k + r) * 6 for r in range(k)]
            return sorted([o for o in offsets if x[o + 4] >= conf], key=lambda o: -x[o + 4])

        ref_rows, out_rows = rows(ref), rows(got)
        reference += len(ref_rows)
        output += len(out_rows)
        taken = set()
        for r in ref_rows:
            best, best_iou = -1, min_iou
            for o in out_rows:
                if o in taken or got[o + 5] != ref[r + 5]:
                    continue
                v = _iou(ref, r, got, o)
                if v >= best_iou:
                    best, best_iou = o, v
            if best < 0:
                continue
            taken.add(best)
            matched += 1
            max_score_diff = max(max_score_diff, abs(got[best + 4] - ref[r + 4]))
            min_iou_seen = min(min_iou_seen, best_iou)
            iou_sum += best_iou
    return {"reference": reference, "output": output, "matched": matched, "max_score_diff": max_score_diff,
            "min_iou": min_iou_seen, "mean_iou": iou_sum / matched if matched else 1.0}


def quantized_detections_ok(shift):
    """The quantized whole-model rule (quantizedDetectionsOk without a second opinion)."""
    if shift["reference"] == 0:
        return shift["output"] == 0
    return shift["matched"] >= QUANTIZED_MIN_MATCHED * shift["reference"]


def looks_like_detections(shape, dtype):
    return len(shape) == 3 and shape[2] == 6 and dtype in ("float32", "float16")


def run_cases(path):
    """Every case of the shared table must give its expected verdict; returns failures."""
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    num = lambda xs: [float(x) for x in xs]  # noqa: E731  ("NaN", "Infinity" strings included)
    failures = []
    for c in cases["detections"]:
        got = compare_detections(num(sum(c["got"], [])), num(sum(c["ref"], [])), c["shape"], c.get("rtol", FP32_RTOL), c.get("score_rtol"))
        if got["ok"] != c["ok"]:
            failures.append(f"detections/{c['name']}: got ok={got['ok']} ({got['problem']})")
    for c in cases.get("quantized", []):
        shift = detection_shift(num(sum(c["got"], [])), num(sum(c["ref"], [])), c["shape"])
        if shift["matched"] != c["matched"] or quantized_detections_ok(shift) != c["ok"]:
            failures.append(f"quantized/{c['name']}: matched {shift['matched']}, ok={quantized_detections_ok(shift)}")
    for c in cases["dense"]:
        got = compare_dense(num(c["got"]), num(c["ref"]))
        if got["ok"] != c["ok"]:
            failures.append(f"dense/{c['name']}: got ok={got['ok']}")
    return failures


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--cases":
        failed = run_cases(sys.argv[2])
        for line in failed:
            print("FAIL", line)
        print("all cases agree" if not failed else f"{len(failed)} cases disagree")
        sys.exit(1 if failed else 0)
    print(__doc__)
    sys.exit(2)
