#!/usr/bin/env bash
# Makes models/tiny, the first-run model of the quick start (configs/train/tiny.yaml, configs/eval/tiny.yaml): the
# project's tokenizer (320 ids) and a random tiny Qwen3 (preset tiny, seed 0), supervised-fine-tuned for 600 steps on
# 4000 puzzle:arith problems (configs/tiny-model/sft.yaml; 30% of the pairs aggregation prompts over K=4 vote
# candidates answered by the right answer alone), then its greedy answers to the first held-out problems recorded in
# recorded.jsonl (checked by TinyModelTest). Seeded, on one torch thread; 12 min 42 s on a shared 2-core machine.
#   scripts/make-tiny-model.sh [OUT_DIR]     (default models/tiny; work files in build/tiny-model/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rsa="${RSA:-$root/scripts/rsa}"
dest="${1:-models/tiny}"
work="${TINY_WORK:-build/tiny-model}"
export RSA_THREADS=1
mkdir -p "$work/data"
"$rsa" make-dataset --task puzzle:arith --n 8 --seed 99 --out "$work/data/held-out.jsonl"   # configs/eval/tiny.yaml's
if [[ ! -f "$work/data/sft.jsonl" ]]; then
  "$rsa" make-dataset --task puzzle:arith --n 4000 --seed 5 --exclude "$work/data/held-out.jsonl" \
    --out "$work/data/problems.jsonl" --sft-out "$work/data/sft.jsonl.tmp" --sft-agg-share 0.3 \
    --sft-agg-target answer --sft-agg-template compact
  mv "$work/data/sft.jsonl.tmp" "$work/data/sft.jsonl"
fi
if [[ ! -f "$work/init/config.json" ]]; then
  head -n 1500 "$work/data/sft.jsonl" > "$work/data/tokenizer-corpus.jsonl"
  "$rsa" make-tokenizer --out "$work/tokenizer" --vocab-size 320 --corpus-extra "$work/data/tokenizer-corpus.jsonl"
  "$rsa" init-model --preset tiny --seed 0 --tokenizer "$work/tokenizer/tokenizer.json" --out "$work/init.tmp"
  rm -rf "$work/init" && mv "$work/init.tmp" "$work/init"
fi
"$rsa" sft --config configs/tiny-model/sft.yaml --set "model=$work/init" --set "output_dir=$work/sft" \
  --set "data.train=$work/data/sft.jsonl"
last="$(ls -d "$work"/sft/checkpoint-*/model | sort -V | tail -n 1)"
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
cp "$last"/config.json "$last"/model.safetensors "$last"/tokenizer.json "$last"/tokenizer_config.json "$dest.tmp"/
# Recorded outputs: greedy answers to the first four held-out questions (TinyModelTest regenerates and compares).
head -n 4 "$work/data/held-out.jsonl" | sed -E 's/.*"prompt":"([^"]*)".*/\1/' | while IFS= read -r q; do
  out="$("$rsa" generate --model "$dest.tmp" --prompt "$q" --max-new-tokens 40 --temperature 0 --json)"
  printf '{"prompt": "%s", "output": %s}\n' "$q" "$out"
done > "$dest.tmp/recorded.jsonl"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "wrote $dest ($(du -sh "$dest" | cut -f1))"
