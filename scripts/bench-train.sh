#!/usr/bin/env bash
# Training-step benchmark: scripts/bench-train.sh MODEL_DIR [--batch B] [--seq T] [--threads N] [--iters I]
# One full step = forward, token-level loss, backward, global-norm clipping and AdamW over B random sequences of T
# tokens (the trainer's own update path). Prints one JSON line with median_ms and tokens_per_s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: $0 MODEL_DIR [--batch B] [--seq T] [--threads N] [--iters I] [--warmup W]" >&2
  exit 2
fi
model="$1"; shift
threads="${RSA_THREADS:-2}"
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --batch|--seq|--iters|--warmup|--seed) args+=("$1" "$2"); shift 2 ;;
    *) echo "bench-train: unknown option $1" >&2; exit 2 ;;
  esac
done
export RSA_THREADS="$threads" OMP_NUM_THREADS="$threads"
exec "$root/scripts/rsa" bench-train --model "$model" "${args[@]}"
