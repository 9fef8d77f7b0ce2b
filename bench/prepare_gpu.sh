#!/usr/bin/env bash
# The benchmark's generated models (tools/gpu/prepare.sh calls this; tools/gpu/builds.txt lists
# the builds made from them): the decoder alone (issue 5), one ai.yhc YoloDecode node over
# 8,400 (640) and 33,600 (1280) anchors x 80 classes -> 300, with a symbolic batch.
# Usage: bench/prepare_gpu.sh [DIR]   (default out/carry/models)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-out/carry/models}
mkdir -p "$dir"
for size in 640 1280; do
  node bench/decoder_model.mjs "$dir/decoder_$size.onnx" --input $size
done
