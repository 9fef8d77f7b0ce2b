#!/usr/bin/env bash
# Make out/carry, the folder the one GPU call carries (run here, where Node is):
#   out/carry/builds/NAME   `yhc compile --no-build` sources + weights.bin + manifest.json of every
#                           line of tools/gpu/builds.txt (no lib/, no build outputs); baseline.txt
#                           names the build a `vs=NAME` role times it against
#   out/carry/include       the runtime headers, once (every build's include/ is the same; removed
#                           from the builds, put back by device_run.sh)
#   out/carry/models        models that are not in the repository (generated decoder models,
#                           whole-model fixtures) and their recorded inputs
#   out/carry/all.txt, check.txt, bench.txt   the build names (all; of each role), in list order
#   out/carry/same_weights.txt   "BUILD KEPT" for each build whose weights payload equals an
#                           earlier build's (same model and precision, another batch): carried once
#                           with the build's own 64-byte header, put back by device_run.sh
# Recorded inputs over CARRY_INPUT_MAX bytes (default 2 MiB: a 640x640 image is 4.7 MiB) stay
# behind; gpu_check then checks that model on seeded random inputs against onnxruntime.
# Fails, printing the size, when out/carry is over the device tool's carry limit (64 MiB).
# Usage: tools/gpu/prepare.sh [LIST]   (default tools/gpu/builds.txt)
# CARRY_MAX_BATCH=N caps every --batch at N: for the CPU dry run only (the host emulation takes
# minutes per batch-32 run on a small machine); never for the GPU call.
set -euo pipefail
cd "$(dirname "$0")/../.."
list=${1:-tools/gpu/builds.txt}
carry=out/carry
rm -rf "$carry"
mkdir -p "$carry/builds" "$carry/models"
: >"$carry/all.txt"
: >"$carry/check.txt"
: >"$carry/bench.txt"
bench/prepare_gpu.sh "$carry/models"   # decoder_640.onnx, decoder_1280.onnx
while read -r name model roles flags; do
  case "$name" in '' | '#'*) continue ;; esac
  case "$model" in
    test/data/fixtures/* | "$carry"/models/*) ;;
    *)
      base=$(basename "$model" .onnx)
      cp "$model" "$carry/models/"
      for f in "$(dirname "$model")/$base".input.*.bin; do
        [ -e "$f" ] || continue
        if [ "$(stat -c %s "$f")" -le "${CARRY_INPUT_MAX:-2097152}" ]; then cp "$f" "$carry/models/"; else echo "carry: $f left behind (random inputs on the device)"; fi
      done
      ;;
  esac
  if [ -n "${CARRY_MAX_BATCH:-}" ]; then
    flags=$(echo "$flags" | awk -v cap="$CARRY_MAX_BATCH" '{ for (i = 1; i < NF; i++) if ($i == "--batch" && $(i + 1) > cap) $(i + 1) = cap; print }')
  fi
  # shellcheck disable=SC2086  # flags are words
  node bin/yhc.js compile "$model" -o "$carry/builds/$name" --no-build --quiet $flags
  rm -f "$carry/builds/$name/engine.ts"
  echo "$name" >>"$carry/all.txt"
  case ",$roles," in *,check,*) echo "$name" >>"$carry/check.txt" ;; esac
  case ",$roles," in *,bench,*) echo "$name" >>"$carry/bench.txt" ;; esac
  # vs=BUILD: gpu_bench times this build against BUILD's yhc row (an int8 build against fp16).
  case ",$roles," in *,vs=*) echo "$roles" | tr ',' '\n' | sed -n 's/^vs=//p' >"$carry/builds/$name/baseline.txt" ;; esac
done <"$list"
# One copy of each distinct weights payload: a build whose payload (after the 64-byte header,
# which holds its own build id and the payload's CRC) equals an earlier build's keeps its header only.
: >"$carry/same_weights.txt"
declare -A kept=()
while read -r name; do
  w=$carry/builds/$name/weights.bin
  sum=$(tail -c +65 "$w" | sha256sum | cut -d' ' -f1)
  if [ -n "${kept[$sum]:-}" ]; then
    head -c 64 "$w" >"$carry/builds/$name/weights.header"
    rm "$w"
    echo "$name ${kept[$sum]}" >>"$carry/same_weights.txt"
  else
    kept[$sum]=$name
  fi
done <"$carry/all.txt"
# One copy of the runtime headers (include/: the same templates in every build) at
# out/carry/include, put back into each build by device_run.sh.
first=$(head -n 1 "$carry/all.txt")
cp -r "$carry/builds/$first/include" "$carry/include"
sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1); }
want=$(sum "$carry/include")
while read -r name; do
  if [ "$(sum "$carry/builds/$name/include")" != "$want" ]; then
    echo "prepare: $name has other headers than $first: carried as they are" >&2
    continue
  fi
  rm -r "$carry/builds/$name/include"
done <"$carry/all.txt"
tools/gpu/carry_size.sh "$carry"
