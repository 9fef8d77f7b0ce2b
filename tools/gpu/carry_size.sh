#!/usr/bin/env bash
# The device tool carries at most 64 MiB of ignored paths: fail, printing the size, when DIR is over
# LIMIT bytes (default 64 MiB). Usage: tools/gpu/carry_size.sh DIR [LIMIT]
set -euo pipefail
dir=$1
limit=${2:-67108864}
bytes=$(find "$dir" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
limit_mib=$(awk -v b="$limit" 'BEGIN { printf "%.1f", b / 1048576 }')
if [ "$bytes" -gt "$limit" ]; then
  echo "carry: $dir is $mib MiB ($bytes bytes), over the $limit_mib MiB limit: drop builds from tools/gpu/builds.txt" >&2
  find "$dir" -mindepth 2 -maxdepth 2 -type d -exec du -sk {} + | sort -rn | head -5 | sed 's/^/  largest (KiB): /' >&2
  exit 1
fi
echo "carry: $dir is $mib MiB ($bytes bytes), under the $limit_mib MiB limit"
