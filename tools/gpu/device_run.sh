#!/usr/bin/env bash
# One call on a GPU machine (no Node): build and check every carried fixture against onnxruntime,
# then run the benchmark. Prepare here first: tools/gpu/prepare.sh && bench/prepare_gpu.sh.
# Results land in $OUT (default out/device): gpu_check.json, gpu_bench.json and the printed tables.
# COMPILE_MODE=none skips torch.compile (max-autotune takes minutes per model).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-out/device}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 tools/gpu/gpu_check.py out/gpu/* --models test/data/fixtures --inputs test/data/fixtures \
  --json "$OUT/gpu_check.json" 2>&1 | tee "$OUT/gpu_check.txt"
check=${PIPESTATUS[0]}
mode=${COMPILE_MODE:-max-autotune}
extra=()
[ "$mode" = none ] && extra=(--no-compile) || extra=(--compile-mode "$mode")
python3 bench/gpu_bench.py out/bench/* --models test/data/fixtures --json "$OUT/gpu_bench.json" "${extra[@]}" 2>&1 | tee "$OUT/gpu_bench.txt"
bench=${PIPESTATUS[0]}
echo "gpu_check exit $check, gpu_bench exit $bench"
[ "$check" = 0 ] && [ "$bench" = 0 ]
