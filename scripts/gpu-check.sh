#!/usr/bin/env bash
# The whole GPU check on a machine with an NVIDIA GPU and a Python torch, from scripts/gpu-pack.sh's folder:
#   scripts/gpu-check.sh [PACK_DIR]    (default .gpu; STAGES="smoke checks bench" picks parts; OUT: where the log goes)
# 1. unpacks the Java runtime and rsa.jar, builds DJL's JNI against python3's torch (scripts/build-djl-jni.sh;
#    PACK_DIR/libdjl_torch.so, when present, is used instead: a JNI built there before);
# 2. smoke: scripts/gpu-smoke.sh (greedy tokens equal to the CPU's, two LoRA steps of qwen3-0.6b);
# 3. checks: per-token log-probs on CPU and CUDA, `rsa eval` and `rsa train` (configs/*/tiny.yaml) and `rsa serve`
#    (chat with logprobs, a streamed completion) on CUDA;
# 4. bench: decode/prefill (fp16) and training steps beside PyTorch eager (scripts/peers/torch_qwen.py) on a
#    qwen3-0.6b-shaped checkpoint with Qwen's vocabulary size.
# Every step has its own timeout; a failed step is reported ("!! rc=") and the rest still run. Log: $OUT/log.txt.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pack="${1:-.gpu}"
O="${OUT:-/tmp/gpu-check}"; mkdir -p "$O"
STAGES="${STAGES:-smoke checks bench}"
t0=$(date +%s)
log() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }
step() { local lim="$1"; shift; log "$*"; timeout "$lim" "$@"; local rc=$?; [[ $rc != 0 ]] && echo "!! rc=$rc: $*"; return 0; }
has() { [[ " $STAGES " == *" $1 "* ]]; }

setup() {
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
  tar xJf "$pack/jre.tar.xz" -C /tmp && mkdir -p /tmp/rsa-jar && tar xJf "$pack/jar.tar.xz" -C /tmp/rsa-jar
  (cd /tmp/rsa-jar && python3 -m zipfile -c /tmp/rsa.jar $(ls -A))
  export JAVA_HOME=/tmp/jre0 PATH=/tmp/jre0/bin:$PATH RSA_JAR=/tmp/rsa.jar RSA_THREADS="${RSA_THREADS:-4}"
  local lib
  lib="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')/lib"
  if [[ -f "$pack/libdjl_torch.so" ]]; then
    cp "$pack/libdjl_torch.so" "$lib/"
    export PYTORCH_LIBRARY_PATH="$lib" PYTORCH_FLAVOR="cu$(python3 -c 'import torch; print(torch.version.cuda.replace(".", ""))')"
    PYTORCH_VERSION="$(python3 -c 'import re, torch; print(re.match(r"\d+\.\d+\.\d+", torch.__version__).group(0))')"
    export PYTORCH_VERSION
  else
    log "build-djl-jni"
    eval "$(DJL_JNI_HEADER="$pack/djl/include/ai_djl_pytorch_jni_PyTorchLibrary.h" JNI_INCLUDE="$pack/djl/jni" \
      timeout 300 scripts/build-djl-jni.sh "$pack/djl" python3)"
    cp "$lib/libdjl_torch.so" "$O/" 2>/dev/null
  fi
  step 60 scripts/rsa doctor
}

checks() {
  local text="What is 3 + 4 modulo 10? The answer is 7."
  for d in cpu cuda; do step 60 scripts/rsa score --model models/tiny --raw "$text" --device $d; done
  step 180 scripts/rsa eval --config configs/eval/tiny.yaml --no-progress --set backend.device=cuda \
    --set output_dir=/tmp/gpu-check-eval
  step 180 scripts/rsa train --config configs/train/tiny.yaml --set device=cuda --set output_dir=/tmp/gpu-check-rl \
    --set max_steps=4 --set save_steps=2
  (scripts/rsa serve --model models/tiny --device cuda --port 18123 > /tmp/gpu-check-serve.log 2>&1 &)
  for _ in $(seq 60); do curl -s localhost:18123/v1/models >/dev/null 2>&1 && break; sleep 1; done
  step 30 curl -s localhost:18123/v1/chat/completions -H 'Content-Type: application/json' -d '{"model":"tiny",
    "messages":[{"role":"user","content":"What is 3 + 4 modulo 10?"}],"max_tokens":24,"n":4,"logprobs":true,"top_logprobs":2}'
  echo
  step 30 curl -s -N localhost:18123/v1/completions -H 'Content-Type: application/json' -d '{"model":"tiny",
    "prompt":"3 + 4 =","max_tokens":8,"stream":true,"stream_options":{"include_usage":true}}'
  pkill -f "rsa.jar serve"
}

bench() {
  local m=/tmp/gpu-check-q06 py=scripts/peers/torch_qwen.py
  if [[ ! -f $m/config.json ]]; then # Qwen's vocabulary size: the LM head is a quarter of qwen3-0.6b's weights
    python3 -c 'import json
v = {"t%d" % i: i for i in range(151643)}
added = [{"id": 151643 + j, "content": c, "special": True} for j, c in enumerate(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])]
json.dump({"model": {"type": "BPE", "vocab": v, "merges": []}, "added_tokens": added}, open("/tmp/tok151k.json", "w"))'
    step 120 scripts/rsa init-model --preset qwen3-0.6b --tokenizer /tmp/tok151k.json --out $m
  fi
  for p in 128 1024; do for b in 1 16 64; do
    step 90 scripts/rsa bench-generate --model $m --device cuda --dtype fp16 --batch $b --prompt $p --new 64 \
      --warmup-steps 32 --repeat 2
    step 90 python3 $py generate $m --device cuda --dtype fp16 --batch $b --prompt $p --new 64 --repeat 3
  done; done
  # Qwen's recommended sampling (filtered rows bring back candidates only) beside the greedy runs above
  step 90 scripts/rsa bench-generate --model $m --device cuda --dtype fp16 --batch 64 --prompt 128 --new 64 \
    --warmup-steps 32 --repeat 2 --temperature 0.6 --top-k 20 --top-p 0.95
  step 120 scripts/rsa bench-train --model $m --device cuda --batch 1 --seq 2048 --warmup 1 --iters 3
  step 120 python3 $py train $m --device cuda --batch 1 --seq 2048 --warmup 1 --iters 3
  for s in 2048 8192; do
    step 150 scripts/rsa bench-train --model $m --device cuda --batch 1 --seq $s --lora-rank 16 \
      --gradient-checkpointing --warmup 1 --iters 2
  done
}

{
  log setup; setup
  has smoke && step 240 scripts/gpu-smoke.sh "$PYTORCH_LIBRARY_PATH"
  has checks && checks
  has bench && bench
  log end
} 2>&1 | tee "$O/log.txt"
