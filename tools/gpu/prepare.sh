#!/usr/bin/env bash
# Emit the sources of every fixture for the GPU check (run where Node is; carry out/gpu to the
# GPU machine), in fp32 and fp16 storage. Batch 2 of the dynamic-batch fixture too.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf out/gpu
for m in tiny_head tiny_head_raw v10head_n v10head_n_unfused v10head_n_dynbatch improved_head_s; do
  node bin/yhc.js compile "test/data/fixtures/$m.onnx" -o "out/gpu/$m" --no-build --quiet
  node bin/yhc.js compile "test/data/fixtures/$m.onnx" -o "out/gpu/${m}_fp16" --precision fp16 --no-build --quiet
done
node bin/yhc.js compile test/data/fixtures/v10head_n_dynbatch.onnx -o out/gpu/v10head_n_dynbatch_b2 --batch 2 --no-build --quiet
