#!/usr/bin/env bash
# Emit the sources bench/gpu_bench.py builds and times (run where Node is; carry out/bench and
# test/data/fixtures to the GPU machine): v10head_n at batch 1 and 32 (the dynamic-batch export
# of the same head), improved_head_s at batch 1 (its export has a static batch of 1); each with
# fp32 and with fp16 storage.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf out/bench
for p in fp32 fp16; do
  node bin/yhc.js compile test/data/fixtures/v10head_n.onnx -o "out/bench/v10head_n_$p" --precision $p --no-build --quiet
  node bin/yhc.js compile test/data/fixtures/v10head_n_dynbatch.onnx -o "out/bench/v10head_n_b32_$p" --batch 32 --precision $p --no-build --quiet
  node bin/yhc.js compile test/data/fixtures/improved_head_s.onnx -o "out/bench/improved_head_s_$p" --precision $p --no-build --quiet
done
# The decoder alone (issue 5): 8,400 and 33,600 anchors x 80 classes -> 300, batch 1 and 32.
mkdir -p out/bench_models
for size in 640 1280; do
  node bench/decoder_model.mjs "out/bench_models/decoder_$size.onnx" --input $size
  for b in 1 32; do
    node bin/yhc.js compile "out/bench_models/decoder_$size.onnx" -o "out/bench/decoder_${size}_b$b" --batch $b --no-build --quiet
  done
done
