#!/usr/bin/env bash
# `rsa serve` under load: streamed chat requests of mixed lengths from 1, 8 and 64 closed-loop clients; reports
# completion tokens/s (and vs the same requests as one offline batch), time to first token and latency p50/p99.
# Usage: scripts/bench-serve.sh MODEL_DIR [--requests R] [--in-flight 1,8,64] [--max-tokens M] [--max-batch B]
#        [--batch-wait-ms W] [--fill-wait-ms F] [--device D]
#        scripts/bench-serve.sh --throughput MODEL_DIR [--requests R] [--concurrency C] [--max-tokens M]
#        [--max-batch B] [--batch-wait-ms W] [--fill-wait-ms F] [--repeat K] [--device D]
#        (non-streamed throughput through the openai backend vs the Generator called directly)
# Torch threads: RSA_THREADS (default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${RSA_JAR:-$root/build/rsa.jar}"
main=rsarl.rollout.serve.ServeLoadBenchmark
if [[ "${1:-}" == --throughput ]]; then
  main=rsarl.rollout.serve.ServeBenchmark
  shift
fi
if [[ $# -lt 1 ]]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
export DJL_OFFLINE=true
export OPT_OUT_TRACKING=true
if [[ -z "${RSA_JAR:-}" ]] && { [[ ! -f "$jar" ]] || [[ -n "$(find "$root" -path "$root/build" -prune -o \( -name '*.java' -o -name 'pom.xml' \) -newer "$jar" -print -quit)" ]]; }; then
  echo "bench-serve: building $jar ..." >&2
  (cd "$root" && mvn -B -q -DskipTests package >&2)
fi
threads="${RSA_THREADS:-2}"
exec java ${RSA_JAVA_OPTS:--Xmx8g} -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" \
  -Dai.djl.pytorch.num_interop_threads=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$jar" "$main" "$@"
