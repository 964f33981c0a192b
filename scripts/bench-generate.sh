#!/usr/bin/env bash
# Greedy decoding benchmark: scripts/bench-generate.sh MODEL_DIR [--batch B] [--prompt P] [--new N] [--threads T]
# Prints one JSON line: prefill_ms, decode_tokens_per_s and this machine's fp32 matmul GFLOP/s (same run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: $0 MODEL_DIR [--batch B] [--prompt P] [--new N] [--threads T]" >&2
  exit 2
fi
model="$1"; shift
threads="${RSA_THREADS:-2}"
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --batch|--prompt|--new|--seed) args+=("$1" "$2"); shift 2 ;;
    *) echo "bench-generate: unknown option $1" >&2; exit 2 ;;
  esac
done
export RSA_THREADS="$threads" OMP_NUM_THREADS="$threads"
exec "$root/scripts/rsa" bench-generate --model "$model" "${args[@]}"
