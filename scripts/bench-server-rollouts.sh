#!/usr/bin/env bash
# Step time of `rsa train` with rollouts from the in-process sampler vs from `rsa serve` (rollout.engine: vllm,
# LoRA sync), on-policy and with max_staleness: 1, for the tiny and the small preset of configs/train/tiny.yaml.
# Usage: scripts/bench-server-rollouts.sh [OUT_DIR] [TINY_STEPS] [SMALL_STEPS]
# Prints one JSON line per run: preset, engine, max_staleness, steps, step_seconds (loop wall time / steps, from the
# last checkpoint's trainer_state.json), and the mean generation/update seconds per step from metrics.jsonl.
# Trainer and server share this machine's cores (RSA_THREADS each, default 1): on a real setup the server has GPUs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/bench-server-rollouts}"
tiny_steps="${2:-6}"
small_steps="${3:-3}"
threads="${RSA_THREADS:-1}"
mkdir -p "$out"
# Build once, then run a private copy of the jar (scripts/rsa would rebuild it if sources change meanwhile).
"$root/scripts/rsa" --version >/dev/null
cp "$root/build/rsa.jar" "$out/rsa.jar"
rsa() {
  DJL_OFFLINE=true OPT_OUT_TRACKING=true OMP_WAIT_POLICY=PASSIVE MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=33554432 \
    MALLOC_TRIM_THRESHOLD_=17179869184 MKL_CBWR=AUTO,STRICT java -Xmx4g -Dai.djl.offline=true \
    -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 -jar "$out/rsa.jar" "$@"
}

run() { # preset engine staleness
  local preset="$1" engine="$2" stale="$3" dir="$out/$1" steps="$4"
  local run="$dir/train-$engine-s$stale"
  rm -rf "$run"
  local sets=(--set "model=$dir/model" --set "init.preset=$preset" --set "data.path=$dir/problems.jsonl"
    --set "data.pools=$dir/pools.jsonl" --set "output_dir=$run" --set "max_steps=$steps" --set "save_steps=$steps"
    --set lora.rank=8 --set resume=never)
  if [[ "$engine" != local ]]; then
    sets+=(--set rollout.engine=vllm --set "rollout.base_url=$url" --set "rollout.max_staleness=$stale")
  fi
  rsa train --config "$root/configs/train/tiny.yaml" "${sets[@]}" >/dev/null 2>"$run.log" || { cat "$run.log" >&2; exit 1; }
  python3 - "$run" "$preset" "$engine" "$stale" "$steps" <<'EOF'
import json, sys, glob
run, preset, engine, stale, steps = sys.argv[1:]
st = json.load(open(glob.glob(run + "/checkpoint-*/trainer_state.json")[-1]))
m = [json.loads(l) for l in open(run + "/metrics.jsonl")]
print(json.dumps({"preset": preset, "engine": engine, "max_staleness": int(stale), "steps": int(steps),
                  "step_seconds": round(st["elapsed_seconds"] / int(steps), 3),
                  "generation_seconds": round(sum(x["generation_seconds"] for x in m) / len(m), 3),
                  "update_seconds": round(sum(x["update_seconds"] for x in m) / len(m), 3),
                  "policy_version_lag": [x["policy_version_lag"] for x in m]}))
EOF
}

for preset in tiny small; do
  dir="$out/$preset"
  mkdir -p "$dir"
  # First run creates the model, the problems and the pools; it is also the local-engine figure.
  steps=$([[ "$preset" == tiny ]] && echo "$tiny_steps" || echo "$small_steps")
  run "$preset" local 0 "$steps"
  rsa serve --model "$dir/model" --port 0 --max-batch 64 >"$dir/serve.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do grep -q "listening on" "$dir/serve.log" && break; sleep 0.5; done
  url="$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$dir/serve.log")"
  run "$preset" serve 0 "$steps"
  run "$preset" serve 1 "$steps"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  trap - EXIT
done
