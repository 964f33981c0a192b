#!/usr/bin/env bash
# The project's decode/prefill (or training step) beside PyTorch eager on the same checkpoint, alternating
# project, PyTorch, project, PyTorch (--rounds) per setting so both see the same machine load; the best of each
# side is reported. Prints one tab-separated row per setting with the ratio (> 1: the project is faster); generate
# also prints the ratios of tokens per CPU second of the generating thread (cpu_*), which a loaded machine disturbs
# far less than wall-clock time (meaningful at 1 thread, where the ops run on that thread).
# Usage: scripts/bench-vs-torch.sh generate MODEL_DIR [--batches "1 4 16 64"] [--prompts "128 1024"]
#                                  [--threads "1 2"] [--new 64] [--repeat 1] [--rounds 2]
#        scripts/bench-vs-torch.sh train MODEL_DIR [--batch 8] [--seq 256] [--threads "1 2"] [--iters 5] [--rounds 2]
#   both: [--device cpu|cuda] [--dtype fp32|fp16] (default cpu, fp32), the same on both sides
# The PyTorch side (scripts/peers/torch_qwen.py) needs a python3 with torch; without one it is skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${1:?usage: $0 generate|train MODEL_DIR ...}"
model="${2:?usage: $0 generate|train MODEL_DIR ...}"
shift 2
batches="1 4 16 64"; prompts="128 1024"; threads="1 2"; new=64; repeat=1; batch=8; seq=256; iters=5; rounds=2; device=cpu; dtype=fp32
while [[ $# -gt 0 ]]; do
  case "$1" in
    --batches) batches="$2" ;; --prompts) prompts="$2" ;; --threads) threads="$2" ;; --new) new="$2" ;;
    --repeat) repeat="$2" ;; --rounds) rounds="$2" ;; --batch) batch="$2" ;; --seq) seq="$2" ;; --iters) iters="$2" ;;
    --device) device="$2" ;; --dtype) dtype="$2" ;;
    *) echo "bench-vs-torch: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
py=""
for c in "${PYTHON:-}" python3 /usr/bin/python3; do
  if [[ -n "$c" ]] && command -v "$c" >/dev/null && "$c" -c 'import torch' 2>/dev/null; then py="$c"; break; fi
done
[[ -z "$py" ]] && echo "bench-vs-torch: no python3 with torch found; PyTorch columns skipped" >&2
field() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
best() { awk -v a="$1" -v b="$2" -v hi="$3" 'BEGIN { if (a == "" || a == "-") print b; else if (b == "" || b == "-") print a;
  else if ((hi && b > a) || (!hi && b < a)) print b; else print a }'; }
if [[ "$mode" == generate ]]; then
  printf "threads\tbatch\tprompt\tdecode_tok_s\ttorch_decode_tok_s\tdecode_ratio\tprefill_tok_s\ttorch_prefill_tok_s\tprefill_ratio\tcpu_decode_ratio\tcpu_prefill_ratio\n"
  for t in $threads; do for p in $prompts; do for b in $batches; do
    jd=-; jp=-; td=-; tp=-; jdc=-; jpc=-; tdc=-; tpc=-
    for ((round = 0; round < rounds; round++)); do
      j=$(RSA_THREADS=$t "$here/bench-generate.sh" "$model" --batch "$b" --prompt "$p" --new "$new" --repeat "$repeat" \
        --device "$device" --dtype "$dtype")
      jd=$(best "$jd" "$(echo "$j" | field decode_tokens_per_s)" 1); jp=$(best "$jp" "$(echo "$j" | field prefill_tokens_per_s)" 1)
      jdc=$(best "$jdc" "$(echo "$j" | field decode_cpu_tokens_per_s)" 1); jpc=$(best "$jpc" "$(echo "$j" | field prefill_cpu_tokens_per_s)" 1)
      if [[ -n "$py" ]]; then
        tj=$(OMP_NUM_THREADS=$t "$py" "$here/peers/torch_qwen.py" generate "$model" --batch "$b" --prompt "$p" \
          --new "$new" --threads "$t" --repeat "$repeat" --device "$device" --dtype "$dtype")
        td=$(best "$td" "$(echo "$tj" | field decode_tokens_per_s)" 1); tp=$(best "$tp" "$(echo "$tj" | field prefill_tokens_per_s)" 1)
        tdc=$(best "$tdc" "$(echo "$tj" | field decode_cpu_tokens_per_s)" 1); tpc=$(best "$tpc" "$(echo "$tj" | field prefill_cpu_tokens_per_s)" 1)
      fi
    done
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$t" "$b" "$p" "$jd" "$td" "$(ratio "$jd" "$td")" \
      "$jp" "$tp" "$(ratio "$jp" "$tp")" "$(ratio "$jdc" "$tdc")" "$(ratio "$jpc" "$tpc")"
  done; done; done
else
  # cpu_ms: the process's CPU time per step (median), steadier than wall time on a shared machine
  printf "threads\tbatch\tseq\tms\ttorch_ms\tspeed_ratio\tcpu_ms\ttorch_cpu_ms\tcpu_ratio\n"
  for t in $threads; do
    jm=-; tm=-; jc=-; tc=-
    for ((round = 0; round < rounds; round++)); do
      j=$(RSA_THREADS=$t "$here/bench-train.sh" "$model" --batch "$batch" --seq "$seq" --iters "$iters" \
        --device "$device" --dtype "$dtype")
      jm=$(best "$jm" "$(echo "$j" | field median_ms)" 0); jc=$(best "$jc" "$(echo "$j" | field median_cpu_ms)" 0)
      if [[ -n "$py" ]]; then
        tj=$(OMP_NUM_THREADS=$t "$py" "$here/peers/torch_qwen.py" train "$model" --batch "$batch" \
          --seq "$seq" --threads "$t" --iters "$iters" --device "$device" --dtype "$dtype")
        tm=$(best "$tm" "$(echo "$tj" | field median_ms)" 0); tc=$(best "$tc" "$(echo "$tj" | field median_cpu_ms)" 0)
      fi
    done
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$t" "$batch" "$seq" "$jm" "$tm" "$(ratio "$tm" "$jm")" \
      "$jc" "$tc" "$(ratio "$tc" "$jc")"
  done
fi
