#!/usr/bin/env bash
# `rsa eval` wall and CPU time (user + sys) of two builds, run alternately on the same config (ratios survive a
# loaded machine better; CPU time better still), and whether their metrics agree. Torch threads: RSA_THREADS. Each run writes a fresh output folder under $OUT (default /tmp/bench-eval).
# Usage: scripts/bench-eval.sh JAR_A JAR_B CONFIG [ROUNDS] [-- --set key=value ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 3 ]]; then
  sed -n '2,4p' "$0" >&2
  exit 2
fi
a="$1" b="$2" config="$3"
shift 3
rounds=2
if [[ $# -gt 0 && "$1" != -- ]]; then rounds="$1"; shift; fi
[[ "${1:-}" == -- ]] && shift
out="${OUT:-/tmp/bench-eval}"
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for side in A B; do
    jar="$a"; [[ $side == B ]] && jar="$b"
    dir="$out/$side-$r"
    rm -rf "$dir"
    load=$(cut -d' ' -f1 /proc/loadavg)
    RSA_JAR="$jar" /usr/bin/time -o "$dir.time" -f '%e %U %S' "$root/scripts/rsa" eval --config "$config" \
      --set output_dir="$dir" "$@" > "$dir.log" 2>&1
    read -r wall user sys < "$dir.time"
    printf '%s round %d: %6.2f s wall, %6.2f s CPU (load before %s, after %s)\n' "$side" "$r" "$wall" \
      "$(echo "$user + $sys" | bc)" "$load" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  if cmp -s "$out/A-$r/metrics.jsonl" "$out/B-$r/metrics.jsonl"; then
    echo "round $r: metrics.jsonl identical"
  else
    echo "round $r: metrics.jsonl differ"
  fi
done
