#!/usr/bin/env bash
# The end-to-end demo, CPU only, no downloads (about 19 minutes on 2 cores, 20 at most):
#   1. puzzle data: puzzle:modsolve ("find the digit x with x * 3 * 9 * 7 = 4 modulo 10", answered by guess and
#      check) SFT pairs, RL problems, held-out eval problems; puzzle:copy pairs for the warm-up
#   2. the project's tokenizer (built-in corpus + SFT texts) and a random tiny Qwen3 ("small" preset, 3.3M weights)
#   3. copy warm-up (270 steps, constant lr): in-context copying, which reading candidates needs -> models/warmup
#   4. SFT: 70% standard prompts (half of them answered by an honest attempt at a wrong digit, so the model's own
#      checks stay honest), 30% aggregation prompts over K=4 candidates, right or wrong attempts, half of them
#      answered by the solution and half by a copy of a random candidate (a base that aggregates without checking,
#      so that aggregation-aware RL has something to learn); all aggregation prompts, here and in RL and eval, use
#      the compact template (rsa.template: compact, ~40% fewer tokens than the paper-style default)
#                                                -> models/sft (the base of both RL runs)
#   5. candidate pools of the frozen SFT model   -> data/pools.jsonl
#   6. standard RL and aggregation-aware RL, same seed, lr (2.5e-5) and step budget (32 steps of 8 prompts x G=4: one
#      pass over the 256 RL problems); aggregation-aware RL shows each of a group's samples the K candidates in its
#      own order (aggregation.shuffle_candidates)  -> models/standard-rl, models/agg-rl
#   7. RSA evaluation (N=8, K=4, T=3) of all three on 160 held-out problems -> table (pass@1, majority, RSA gains
#      and their paired differences, and how often each model's aggregation calls picked a right candidate against a random pick),
#      results.md, compare.png, eval/*/accuracy.png
# Everything goes under checkpoints/demo/. Stages whose outputs exist are skipped, so a rerun (or a rerun after a
# kill) continues where it stopped; delete checkpoints/demo to start over. RSA_THREADS sets torch's threads (2).
# DEMO_SMOKE=1 runs every stage at toy sizes from the shipped models/tiny (puzzle:modarith) into checkpoints/demo-smoke
# (~2 min): RL rewards that rise over 10 steps and RSA pass@1 that rises over T = 1..4.
# A replication from scratch on an independently trained base (same data, same held-out problems):
#   DEMO_SEEDS="INIT WARMUP SFT POOLS RL EVAL" (default "0 3 1 4321 7 1234") DEMO_OUT=checkpoints/demo-rep1 scripts/demo.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export RSA_THREADS="${RSA_THREADS:-2}"
rsa="$root/scripts/rsa"
cfg=configs/demo
out="${DEMO_OUT:-checkpoints/demo}"
read -r seed_init seed_warmup seed_sft seed_pools seed_rl seed_eval extra <<< "${DEMO_SEEDS:-0 3 1 4321 7 1234}"
if [[ -z "$seed_eval" || -n "${extra:-}" ]] || ! [[ "$seed_init$seed_warmup$seed_sft$seed_pools$seed_rl$seed_eval" =~ ^[0-9]+$ ]]; then
  echo "demo: DEMO_SEEDS needs six integers (init warmup sft pools rl eval), got '${DEMO_SEEDS:-}'" >&2
  exit 2
fi
task="puzzle:modsolve"
difficulty=2
n_eval=160; n_sft=9600; n_rl=256; n_copy=11200
warmup_set=(); sft_set=(); pools_set=(); rl_set=(); eval_set=()
sft_flags=(--sft-agg-share 0.3 --sft-attempt-share 0.5 --sft-agg-copy-share 0.5)
start_model=""
if [[ "${DEMO_SMOKE:-0}" == 1 ]]; then
  # Every stage at toy sizes, from the shipped first-run model (models/tiny, made for puzzle:modarith by
  # scripts/make-tiny-model.sh) instead of a random one; its warm-up and SFT stages run one step at a tiny lr (they
  # only check the pipeline), its RL runs are long enough to raise the rewards, and RSA raises pass@1 over T.
  out="${DEMO_OUT:-checkpoints/demo-smoke}"
  task="puzzle:modarith"; difficulty=1
  n_eval=32; n_sft=64; n_rl=64; n_copy=64
  sft_flags=(--sft-agg-share 0.3 --sft-agg-target majority --sft-layout-k 3)
  start_model=models/tiny
  warmup_set=(--set max_steps=1 --set learning_rate=1.0e-5)
  sft_set=(--set max_steps=1 --set learning_rate=1.0e-5)
  pools_set=(--set candidates.per_problem=4 --set sampling.temperature=1.0)
  rl_set=(--set max_steps=10 --set batch_size=8 --set num_generations=8 --set micro_batch_size=32
    --set learning_rate=3.0e-4 --set sampling.temperature=1.0 --set aggregation.k=3 --set rollout.max_batch=64)
  eval_set=(--set rsa.population=8 --set rsa.k=3 --set rsa.steps=4 --set sampling.temperature=1.0
    --set backend.max_batch=32)
fi
# The configs name checkpoints/demo/...; the commands below pass the same paths under $out explicitly.
mkdir -p "$out/data" "$out/models" "$out/logs"

timings=()
demo_start=$SECONDS

# quiet: drops DJL's start-up log lines (GPU probing, platform detection).
quiet() {
  grep --line-buffered -v -e 'WARN ai.djl' -e 'INFO ai.djl' || true
}

# stage NAME DONE_PATH COMMAND...: runs COMMAND (output to logs/NAME.log and the terminal) unless DONE_PATH exists.
stage() {
  local name="$1" done="$2"
  shift 2
  if [[ -e "$done" ]]; then
    echo "== $name: already done ($done)"
    timings+=("$name|skipped")
    return
  fi
  echo "== $name"
  local t0=$SECONDS
  "$@" 2>&1 | quiet | tee "$out/logs/$name.log"
  timings+=("$name|$((SECONDS - t0)) s")
}

# link_latest RUN_DIR NAME: points models/NAME at the newest checkpoint's model folder of RUN_DIR.
link_latest() {
  local last
  last="$(ls -d "$1"/checkpoint-*/model 2>/dev/null | sort -V | tail -n 1)"
  if [[ -z "$last" ]]; then
    echo "demo: no checkpoint in $1" >&2
    exit 1
  fi
  ln -sfn "$(realpath --relative-to="$out/models" "$last")" "$out/models/$2"
}

make_data() {
  "$rsa" make-dataset --task "$task" --difficulty $difficulty --n $n_eval --seed 1000 --out "$out/data/eval.jsonl"
  "$rsa" make-dataset --task "$task" --difficulty $difficulty --n $n_sft --seed 1 --exclude "$out/data/eval.jsonl" \
    --out "$out/data/sft-problems.jsonl" --sft-out "$out/data/sft.jsonl.tmp" "${sft_flags[@]}" \
    --sft-agg-template compact
  "$rsa" make-dataset --task "$task" --difficulty $difficulty --n $n_rl --seed 2 --exclude "$out/data/eval.jsonl" \
    --out "$out/data/rl.jsonl"
  "$rsa" make-dataset --task puzzle:copy --difficulty 1 --n $n_copy --seed 3 --out "$out/data/copy-problems.jsonl" \
    --sft-out "$out/data/copy.jsonl"
  mv "$out/data/sft.jsonl.tmp" "$out/data/sft.jsonl"
}

init_model() {
  if [[ -n "$start_model" ]]; then
    rm -rf "$out/models/init.tmp" && mkdir -p "$out/models/init.tmp"
    cp "$start_model"/config.json "$start_model"/model.safetensors "$start_model"/tokenizer*.json "$out/models/init.tmp"/
    mv "$out/models/init.tmp" "$out/models/init"
    return
  fi
  # The tokenizer also learns the task's texts (the first SFT pairs, a third of them aggregation prompts), so the
  # aggregation prompt's fixed instructions take ~1 token a word: ~300 tokens instead of ~490 with the built-in corpus.
  { head -n 1500 "$out/data/sft.jsonl"; head -n 200 "$out/data/copy.jsonl"; } > "$out/data/tokenizer-corpus.jsonl"
  "$rsa" make-tokenizer --out "$out/tokenizer" --corpus-extra "$out/data/tokenizer-corpus.jsonl"
  "$rsa" init-model --preset small --seed "$seed_init" --tokenizer "$out/tokenizer/tokenizer.json" --out "$out/models/init.tmp"
  mv "$out/models/init.tmp" "$out/models/init"
}

warmup() {
  "$rsa" sft --config "$cfg/warmup.yaml" --set "model=$out/models/init" --set "output_dir=$out/warmup" \
    --set "data.train=$out/data/copy.jsonl" --set "seed=$seed_warmup" "${warmup_set[@]}"
  link_latest "$out/warmup" warmup
}

train_sft() {
  "$rsa" sft --config "$cfg/sft.yaml" --set "model=$out/models/warmup" --set "output_dir=$out/sft" \
    --set "data.train=$out/data/sft.jsonl" --set "seed=$seed_sft" "${sft_set[@]}"
  link_latest "$out/sft" sft
}

pools() {
  "$rsa" candidates --config "$cfg/candidates.yaml" --no-progress --set "backend.model=$out/models/sft" \
    --set "data.path=$out/data/rl.jsonl" --set "output=$out/data/pools.jsonl" --set "seed=$seed_pools" "${pools_set[@]}"
  touch "$out/data/pools.done"
}

train_rl() { # train_rl NAME
  "$rsa" train --config "$cfg/$1.yaml" --set "model=$out/models/sft" --set "output_dir=$out/$1" --set "seed=$seed_rl" \
    --set "data.path=$out/data/rl.jsonl" --set "data.pools=$out/data/pools.jsonl" "${rl_set[@]}"
  link_latest "$out/$1" "$1"
}

evaluate() { # evaluate NAME
  "$rsa" eval --config "$cfg/eval.yaml" --no-progress --set "backend.model=$out/models/$1" \
    --set "data.path=$out/data/eval.jsonl" --set "output_dir=$out/eval/$1" --set "seed=$seed_eval" "${eval_set[@]}"
}

stage build "" "$rsa" --version
stage data "$out/data/sft.jsonl" make_data
stage init "$out/models/init" init_model
stage warmup "$out/models/warmup" warmup
stage sft "$out/models/sft" train_sft
stage pools "$out/data/pools.done" pools
stage standard-rl "$out/models/standard-rl" train_rl standard-rl
stage agg-rl "$out/models/agg-rl" train_rl agg-rl
for m in sft standard-rl agg-rl; do
  stage "eval-$m" "$out/eval/$m/summary.json" evaluate "$m"
done

echo
echo "== results: RSA on $(wc -l < "$out/data/eval.jsonl") held-out $task problems (difficulty $difficulty)"
"$rsa" demo-report --title "RSA on held-out $task: SFT base vs standard RL vs aggregation-aware RL" \
  --run "SFT (base)=$out/eval/sft" --run "standard RL=$out/eval/standard-rl" \
  --run "aggregation-aware RL=$out/eval/agg-rl" --markdown "$out/results.md" --plot "$out/compare.png" \
  2> >(quiet >&2)
{
  echo
  echo "Stage timings (RSA_THREADS=$RSA_THREADS):"
  echo
  echo "| stage | wall time |"
  echo "|---|---:|"
  for t in "${timings[@]}"; do
    echo "| ${t%%|*} | ${t#*|} |"
  done
  echo "| total | $((SECONDS - demo_start)) s |"
} | tee -a "$out/results.md"
echo
echo "wrote $out/results.md, $out/compare.png and $out/eval/<model>/accuracy.png"
