#!/usr/bin/env bash
# Decoding benchmark (greedy; sampled with --temperature): scripts/bench-generate.sh MODEL_DIR [--batch B] [--prompt P] [--new N] [--threads T] [--repeat R] [--warmup-steps S] [--fused-copy shared|per-batch] [--device cpu|cuda] [--dtype fp32|fp16] [--temperature T] [--top-k K] [--top-p P] [--min-p P]
# Prints one JSON line: prefill_ms, decode_tokens_per_s and this machine's fp32 matmul GFLOP/s (same run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"
bench_main bench-generate "[--batch B] [--prompt P] [--new N] [--threads T] [--repeat R] [--warmup-steps S] [--fused-copy shared|per-batch] [--device cpu|cuda] [--dtype fp32|fp16] [--temperature T] [--top-k K] [--top-p P] [--min-p P]" "--batch --prompt --new --seed --repeat --warmup-steps --fused-copy --device --dtype --temperature --top-k --top-p --min-p" "$@"
