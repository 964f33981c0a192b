#!/usr/bin/env bash
# GPU smoke test: scripts/gpu-smoke.sh LIBTORCH_DIR
#   LIBTORCH_DIR: a CUDA libtorch 2.7.1, e.g. the torch/lib folder of `pip install torch==2.7.1` (CUDA 12.8 wheels).
# 1. `rsa doctor` through that folder (PYTORCH_LIBRARY_PATH, PYTORCH_FLAVOR=cu128, PYTORCH_VERSION=2.7.1);
# 2. greedy generation on a tiny model: the GPU's tokens must equal the CPU's;
# 3. two LoRA (rank 16) training steps of a qwen3-0.6b-preset model at 2048 tokens, printing tokens/s and peak
#    device memory (bench-train's JSON line).
# Exits non-zero with one line on stderr where libtorch sees no CUDA device.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lib="${1:-${PYTORCH_LIBRARY_PATH:-}}"
if [[ -z "$lib" || ! -d "$lib" ]]; then
  echo "usage: $0 LIBTORCH_DIR   (a CUDA libtorch folder, e.g. .../site-packages/torch/lib)" >&2
  exit 2
fi
export PYTORCH_LIBRARY_PATH="$lib" PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}" PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}"
rsa="$root/scripts/rsa"
if ! doctor="$("$rsa" doctor --json 2>&1)"; then
  echo "gpu-smoke: the engine did not load from $lib: $(printf '%s' "${doctor##*$'\n'}" | sed 's/\x1b\[[0-9;]*m//g')" >&2
  exit 1
fi
if [[ "$doctor" != *'"cuda_available":true'* ]]; then
  echo "gpu-smoke: no CUDA device: libtorch in $lib sees no GPU (rsa doctor: cuda_available false)" >&2
  exit 1
fi
"$rsa" doctor

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# a 203-token vocabulary: enough for random-token models (no tokenizer training needed)
vocab=""
for i in $(seq 0 199); do vocab+="${vocab:+,}\"t$i\":$i"; done
mkdir -p "$work/tok"
printf '{"model":{"type":"BPE","vocab":{%s},"merges":[]},"added_tokens":[{"id":200,"content":"<|endoftext|>","special":true},{"id":201,"content":"<|im_start|>","special":true},{"id":202,"content":"<|im_end|>","special":true}]}' \
  "$vocab" > "$work/tok/tokenizer.json"

echo "== greedy generation, CPU vs GPU (tiny model)"
"$rsa" init-model --preset tiny --tokenizer "$work/tok/tokenizer.json" --out "$work/tiny" --seed 1 >/dev/null
ids() { "$rsa" generate --model "$work/tiny" --input-ids 5,17,42,7 --max-new-tokens 32 --temperature 0 --json --device "$1" \
  | sed -n 's/.*"token_ids":\[\([0-9,]*\)\].*/\1/p'; }
cpu="$(ids cpu)"
gpu="$(ids cuda)"
echo "cpu:  $cpu"
echo "cuda: $gpu"
if [[ -z "$cpu" || "$cpu" != "$gpu" ]]; then
  echo "gpu-smoke: greedy tokens differ between CPU and GPU" >&2
  exit 1
fi

echo "== two LoRA training steps, qwen3-0.6b preset, 2048 tokens"
"$rsa" init-model --preset qwen3-0.6b --tokenizer "$work/tok/tokenizer.json" --out "$work/q06" >/dev/null
"$root/scripts/bench-train.sh" "$work/q06" --device cuda --batch 1 --seq 2048 --lora-rank 16 --warmup 0 --iters 2 \
  --gradient-checkpointing
echo "gpu-smoke: ok"
