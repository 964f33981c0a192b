# The shared front of scripts/bench-generate.sh and scripts/bench-train.sh (sourced, not run):
#   bench_main SUBCOMMAND "USAGE" "PASSED_OPTIONS" MODEL_DIR [--threads N] [option value ...]
# (options named in $BENCH_FLAGS, if set, take no value)
# checks the arguments, sets torch's threads (RSA_THREADS, OMP_NUM_THREADS; default 2) and runs `rsa SUBCOMMAND
# --model MODEL_DIR` with the options named in PASSED_OPTIONS.
bench_main() {
  local sub="$1" usage="$2" passed="$3"
  shift 3
  if [[ $# -lt 1 || "$1" == -* ]]; then
    echo "usage: $0 MODEL_DIR $usage" >&2
    exit 2
  fi
  local model="$1"
  shift
  local threads="${RSA_THREADS:-2}"
  local args=()
  while [[ $# -gt 0 ]]; do
    if [[ " ${BENCH_FLAGS:-} " == *" $1 "* ]]; then
      args+=("$1")
      shift
      continue
    elif [[ "$1" == --threads && $# -ge 2 ]]; then
      threads="$2"
    elif [[ " $passed " == *" $1 "* && $# -ge 2 ]]; then
      args+=("$1" "$2")
    else
      echo "$sub: unknown option or missing value: $1" >&2
      exit 2
    fi
    shift 2
  done
  export RSA_THREADS="$threads" OMP_NUM_THREADS="$threads"
  exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/rsa" "$sub" --model "$model" "${args[@]}"
}
