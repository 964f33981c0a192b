#!/usr/bin/env bash
# Training-step benchmark: scripts/bench-train.sh MODEL_DIR [--batch B] [--seq T] [--threads N] [--iters I]
#   [--lora-rank R] [--gradient-checkpointing] [--dtype fp32|fp16] [--device cpu|cuda]
# One full step = forward, token-level loss, backward, global-norm clipping and AdamW over B random sequences of T
# tokens (the trainer's own update path; LoRA on every linear layer with --lora-rank). Prints one JSON line with
# median_ms, tokens_per_s, peak_rss_mb (the process's peak resident memory) and, on CUDA, peak_device_mb.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"
BENCH_FLAGS="--gradient-checkpointing --unchunked"
bench_main bench-train "[--batch B] [--seq T] [--threads N] [--iters I] [--warmup W] [--lora-rank R] \
[--gradient-checkpointing] [--dtype D] [--device D]" "--batch --seq --iters --warmup --seed --lora-rank --dtype --device" "$@"
