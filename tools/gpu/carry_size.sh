#!/usr/bin/env bash
# The device tool sends the working tree (tracked files and untracked ones git does not ignore)
# together with the carried paths, at most 64 MiB in all: fail, printing both sizes, when the
# tree plus DIR is over LIMIT bytes (default 64 MiB). Usage: tools/gpu/carry_size.sh DIR [LIMIT]
set -euo pipefail
dir=$1
limit=${2:-67108864}
root=$(cd "$(dirname "$0")/../.." && pwd)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
carry=$(find "$dir" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
tree=$(cd "$root" && git ls-files -z -co --exclude-standard | xargs -0 -r stat -c '%s' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
bytes=$((carry + tree))
what="carry: $dir is $(mib "$carry") MiB ($carry bytes); with the working tree ($(mib "$tree") MiB) $(mib "$bytes") MiB travel"
if [ "$bytes" -gt "$limit" ]; then
  echo "$what, over the $(mib "$limit") MiB limit: drop builds from tools/gpu/builds.txt" >&2
  find "$dir" -mindepth 2 -maxdepth 2 -type d -exec du -sk {} + | sort -rn | head -5 | sed 's/^/  largest (KiB): /' >&2
  find "$dir" -mindepth 2 -maxdepth 2 -type f -exec du -sk {} + | sort -rn | head -5 | sed 's/^/  largest (KiB): /' >&2
  exit 1
fi
echo "$what, under the $(mib "$limit") MiB limit"
