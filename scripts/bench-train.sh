#!/usr/bin/env bash
# Training-step benchmark: scripts/bench-train.sh MODEL_DIR [--batch B] [--seq T] [--threads N] [--iters I]
# One full step = forward, token-level loss, backward, global-norm clipping and AdamW over B random sequences of T
# tokens (the trainer's own update path). Prints one JSON line with median_ms and tokens_per_s.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"
bench_main bench-train "[--batch B] [--seq T] [--threads N] [--iters I] [--warmup W]" \
  "--batch --seq --iters --warmup --seed" "$@"
