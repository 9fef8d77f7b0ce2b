#!/usr/bin/env bash
# The one call on a GPU machine (no Node), in at most 600 s: preflight, every carried build in
# parallel (nvcc), the check against onnxruntime, then the benchmark, each phase held to its share
# of DEVICE_BUDGET_S (default 560 s), the scripts stopping cleanly and a `timeout` behind each.
# Prepare here first: tools/gpu/prepare.sh (makes out/carry). With the device tool:
#   run  carry: ["out/carry"]  command: bash tools/gpu/device_run.sh  timeout_s: 600
# Results land in $OUT (default out/device): preflight.json, build.json, gpu_check.json,
# gpu_bench.json (rewritten row by row), the printed logs, and tables.txt at the end.
#
# --dry-run: the CPU rehearsal of exactly this on a machine without a GPU: g++ builds against
# the host emulation, torch on the CPU, torch.compile with the aot_eager backend (Inductor's C++
# builds take minutes per model on a CPU; COMPILE_BACKEND=inductor to try them), one timed run.
# Use PYTHON=... for an interpreter with torch, onnx and onnxruntime.
# COMPILE_MODE=none skips torch.compile; AUTOTUNE_ROW=NAME adds one max-autotune row if time allows.
set -uo pipefail
cd "$(dirname "$0")/../.."
dry=0
[ "${1:-}" = --dry-run ] && dry=1
OUT=${OUT:-out/device}
PY=${PYTHON:-python3}
CARRY=${CARRY:-out/carry}
mkdir -p "$OUT"
start=$(date +%s)
elapsed() { echo $(($(date +%s) - start)); }
left() { echo $((${DEVICE_BUDGET_S:-560} - $(elapsed))); }
phase_log() { echo "phase $1: $2 s" | tee -a "$OUT/phases.txt"; }
: >"$OUT/phases.txt"

if [ $dry = 1 ]; then
  # Build in a copy under $OUT (out/carry stays sources only), keeping libraries of unchanged sources.
  mkdir -p "$OUT/carry"
  cp -r --update "$CARRY"/. "$OUT/carry"/
  CARRY=$OUT/carry
  target=(--dry-run)
  reuse=(--reuse)
  timing=(--warmup 0 --repeats 1 --inner 1 --phase-cap-s 1200 --compile-cap-s 1200)
  checkit=(--iterations 0 --check-cap-s 1200)
  compile=(--compile-backend "${COMPILE_BACKEND:-aot_eager}")
  budget_default=100000
else
  target=()
  reuse=()
  timing=()
  checkit=()
  compile=(--compile-mode "${COMPILE_MODE:-reduce-overhead}")
  budget_default=560
fi
DEVICE_BUDGET_S=${DEVICE_BUDGET_S:-$budget_default}
[ "${COMPILE_MODE:-}" = none ] && compile=(--no-compile)
[ -n "${AUTOTUNE_ROW:-}" ] && compile+=(--autotune-row "$AUTOTUNE_ROW")

t=$(elapsed)
$PY tools/gpu/preflight.py --json "$OUT/preflight.json" "${target[@]}" 2>&1 | tee "$OUT/preflight.txt"
preflight=${PIPESTATUS[0]}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv,noheader | tee -a "$OUT/preflight.txt"
phase_log preflight $(($(elapsed) - t))

# Weights carried once for builds that share them (prepare.sh's same_weights.txt).
if [ -f "$CARRY/same_weights.txt" ]; then
  while read -r name kept; do
    cat "$CARRY/builds/$name/weights.header" <(tail -c +65 "$CARRY/builds/$kept/weights.bin") >"$CARRY/builds/$name/weights.bin"
  done <"$CARRY/same_weights.txt"
fi

# The runtime headers, carried once (prepare.sh): back into every build that has none.
if [ -d "$CARRY/include" ]; then
  for b in "$CARRY"/builds/*/; do [ -d "$b/include" ] || cp -r "$CARRY/include" "$b/include"; done
fi

# Build in list order (the first bench rows first), so a short build phase keeps the rows that matter.
if [ -f "$CARRY/all.txt" ]; then mapfile -t all < <(sed "s|^|$CARRY/builds/|" "$CARRY/all.txt"); else all=("$CARRY"/builds/*); fi
mapfile -t checks < <(sed "s|^|$CARRY/builds/|" "$CARRY/check.txt")
mapfile -t benches < <(sed "s|^|$CARRY/builds/|" "$CARRY/bench.txt")
arch=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])).get("devices") or [{}]; print("sm_" + d[0].get("cc","9.0").replace(".",""))' "$OUT/preflight.json" 2>/dev/null || echo sm_90)
jobs=$(nproc)
models=test/data/fixtures:$CARRY/models

# Builds: every translation unit of every build in one pool of $(nproc) compilers; about 40 % of the budget.
t=$(elapsed)
b=$(($(left) * 40 / 100))
timeout -k 10 $((b + 30)) $PY tools/gpu/build.py "${all[@]}" $([ $dry = 1 ] && echo --target host) --arch "$arch" \
  --jobs "$jobs" --budget-s "$b" "${reuse[@]}" --json "$OUT/build.json" 2>&1 | tee "$OUT/build.txt"
build=${PIPESTATUS[0]}
phase_log build $(($(elapsed) - t))

# Check against onnxruntime: about 20 % of what is left.
t=$(elapsed)
b=$(($(left) * 20 / 100))
timeout -k 10 $((b + 30)) $PY tools/gpu/gpu_check.py "${checks[@]}" --models "$models" --inputs "$models" --arch "$arch" \
  --reuse-build --budget-s "$b" "${target[@]}" "${checkit[@]}" --json "$OUT/gpu_check.json" 2>&1 | tee "$OUT/gpu_check.txt"
check=${PIPESTATUS[0]}
phase_log check $(($(elapsed) - t))

# Benchmark: the rest, less a margin for the tables.
t=$(elapsed)
b=$(($(left) - 15))
timeout -k 10 $((b + 10)) $PY bench/gpu_bench.py "${benches[@]}" --models "$models" --arch "$arch" --reuse-build \
  --budget-s "$b" "${target[@]}" "${timing[@]}" "${compile[@]}" --json "$OUT/gpu_bench.json" 2>&1 | tee "$OUT/gpu_bench.txt"
bench=${PIPESTATUS[0]}
phase_log bench $(($(elapsed) - t))

# The tables again, from the JSON files (complete even if a script was cut short).
$PY tools/gpu/report.py "$OUT/build.json" "$OUT/gpu_check.json" "$OUT/gpu_bench.json" 2>&1 | tee "$OUT/tables.txt"
echo "preflight exit $preflight, build exit $build, gpu_check exit $check, gpu_bench exit $bench; $(elapsed) s in all" | tee -a "$OUT/phases.txt"
[ "$check" = 0 ] && [ "$bench" = 0 ]
