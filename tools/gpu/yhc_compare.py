"""The golden-comparison rules of src/golden/compare.ts, for machines without Node (the GPU box).

Dense: max |got - ref| <= rtol * max(1, max |ref|); NaN must meet NaN.
Detections [B, K, 6] (x1, y1, x2, y2, score, class): sorted by score, every reference row is
matched by a distinct output row with the same class and score/box within tolerance (so
near-ties may swap); reference rows within tolerance of the cut-off score may be replaced by
output rows that are also within tolerance of the cut-off.

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
