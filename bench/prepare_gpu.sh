#!/usr/bin/env bash
# Emit the sources bench/gpu_bench.py builds and times (run where Node is; carry out/bench and
# test/data/fixtures to the GPU machine): v10head_n at batch 1 and 32 (the dynamic-batch export
# of the same head), improved_head_s at batch 1 (its export has a static batch of 1).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf out/bench
node bin/yhc.js compile test/data/fixtures/v10head_n.onnx -o out/bench/v10head_n --no-build --quiet
node bin/yhc.js compile test/data/fixtures/v10head_n_dynbatch.onnx -o out/bench/v10head_n_b32 --batch 32 --no-build --quiet
node bin/yhc.js compile test/data/fixtures/improved_head_s.onnx -o out/bench/improved_head_s --no-build --quiet
