#!/usr/bin/env bash
# Makes models/tiny, the first-run model of the quick start (configs/train/tiny.yaml, configs/eval/tiny.yaml) on
# puzzle:modarith ("Calculate 6 * 4 - 9 modulo 10"): the project's tokenizer (320 ids) and a random mini Qwen3 (0.8M
# weights, seed 0), then three supervised stages (configs/tiny-model/):
#   1. warmup.yaml: copy warm-up, 270 steps of puzzle:copy pairs (in-context copying, which reading candidates needs);
#   2. sft.yaml: 800 steps on reference solutions, 30% of the pairs aggregation prompts over K=3 vote candidates;
#   3. noisy.yaml: 300 steps where 25% of the standard answers are replaced by a random wrong residue and half the
#      pairs are K=3 vote rows answered by the candidates' most common answer (--sft-agg-target majority).
# Stage 3 makes a solver that is right about 60% of the time with errors that differ between samples, and an
# aggregator that votes: the regime where RSA's pass@1 rises with T and where RL has a gap to close. Its greedy
# answers to the first held-out problems are recorded in recorded.jsonl (checked by TinyModelTest). Seeded, on one
# torch thread; about 35 min on a 2-core machine.
#   scripts/make-tiny-model.sh [OUT_DIR]     (default models/tiny; work files in build/tiny-model/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rsa="${RSA:-$root/scripts/rsa}"
dest="${1:-models/tiny}"
work="${TINY_WORK:-build/tiny-model}"
export RSA_THREADS=1
# The same MKL code path as the test JVM (no vendor-check override), which TinyModelTest compares against.
export RSA_MKL_SHIM=0
mkdir -p "$work/data"
held_out="$work/data/held-out.jsonl"   # configs/eval/tiny.yaml's problems (data.generate: n 32, seed 99)
"$rsa" make-dataset --task puzzle:modarith --n 32 --seed 99 --out "$held_out"
if [[ ! -f "$work/data/noisy.jsonl" ]]; then
  "$rsa" make-dataset --task puzzle:modarith --n 4000 --seed 5 --exclude "$held_out" \
    --out "$work/data/problems.jsonl" --sft-out "$work/data/sft.jsonl" --sft-agg-share 0.3 \
    --sft-agg-target answer --sft-agg-template compact --sft-layout-k 3
  "$rsa" make-dataset --task puzzle:modarith --n 6000 --seed 6 --exclude "$held_out" \
    --out "$work/data/noisy-problems.jsonl" --sft-out "$work/data/noisy.jsonl.tmp" --sft-agg-share 0.5 \
    --sft-agg-target majority --sft-agg-template compact --sft-layout-k 3 --sft-answer-noise 0.25
  "$rsa" make-dataset --task puzzle:copy --difficulty 1 --n 11200 --seed 3 --out "$work/data/copy-problems.jsonl" \
    --sft-out "$work/data/copy.jsonl"
  mv "$work/data/noisy.jsonl.tmp" "$work/data/noisy.jsonl"
fi
if [[ ! -f "$work/init/config.json" ]]; then
  head -n 1500 "$work/data/sft.jsonl" > "$work/data/tokenizer-corpus.jsonl"
  "$rsa" make-tokenizer --out "$work/tokenizer" --vocab-size 320 --corpus-extra "$work/data/tokenizer-corpus.jsonl"
  "$rsa" init-model --preset mini --seed 0 --tokenizer "$work/tokenizer/tokenizer.json" --out "$work/init.tmp"
  rm -rf "$work/init" && mv "$work/init.tmp" "$work/init"
fi
# Each stage resumes from its newest checkpoint (resume: auto), so a killed run continues where it stopped.
"$rsa" sft --config configs/tiny-model/warmup.yaml --set "model=$work/init" --set "output_dir=$work/warmup" \
  --set "data.train=$work/data/copy.jsonl"
"$rsa" sft --config configs/tiny-model/sft.yaml --set "model=$work/warmup/checkpoint-270/model" \
  --set "output_dir=$work/sft" --set "data.train=$work/data/sft.jsonl"
"$rsa" sft --config configs/tiny-model/noisy.yaml --set "model=$work/sft/checkpoint-800/model" \
  --set "output_dir=$work/noisy" --set "data.train=$work/data/noisy.jsonl"
last="$work/noisy/checkpoint-300/model"
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
cp "$last"/config.json "$last"/model.safetensors "$last"/tokenizer.json "$last"/tokenizer_config.json "$dest.tmp"/
# Recorded outputs: greedy answers to the first four held-out questions (TinyModelTest regenerates and compares).
head -n 4 "$held_out" | sed -E 's/.*"prompt":"([^"]*)".*/\1/' | while IFS= read -r q; do
  out="$("$rsa" generate --model "$dest.tmp" --prompt "$q" --max-new-tokens 40 --temperature 0 --json)"
  printf '{"prompt": "%s", "output": %s}\n' "$q" "$out"
done > "$dest.tmp/recorded.jsonl"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "wrote $dest ($(du -sh "$dest" | cut -f1))"
