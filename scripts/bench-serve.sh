#!/usr/bin/env bash
# `rsa serve` under load: streamed chat requests of mixed lengths from 1, 8 and 64 closed-loop clients; reports
# completion tokens/s (and vs the same requests as one offline batch), time to first token and latency p50/p99.
# Usage: scripts/bench-serve.sh MODEL_DIR [--requests R] [--in-flight 1,8,64] [--max-tokens M] [--max-batch B]
#        [--batch-wait-ms W] [--fill-wait-ms F] [--prefill-chunk-tokens C] [--stream-interval S] [--rounds N]
#        [--warmup W] [--no-stream] [--device D]
#        (--rounds alternates the offline batch and the levels N times, best of each side; --warmup: rounds of 32
#        requests that warm the serving path first, default 10)
#        scripts/bench-serve.sh --throughput MODEL_DIR [--requests R] [--concurrency C] [--max-tokens M]
#        [--max-batch B] [--batch-wait-ms W] [--fill-wait-ms F] [--repeat K] [--device D]
#        (non-streamed throughput through the openai backend vs the Generator called directly)
# Torch threads: RSA_THREADS (default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main=rsarl.rollout.serve.ServeLoadBenchmark
if [[ "${1:-}" == --throughput ]]; then
  main=rsarl.rollout.serve.ServeBenchmark
  shift
fi
if [[ $# -lt 1 ]]; then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
# scripts/rsa's environment (offline, MKL override, malloc settings), this benchmark's main class, 2 threads by default
RSA_THREADS="${RSA_THREADS:-2}" RSA_MAIN="$main" RSA_JAVA_OPTS="${RSA_JAVA_OPTS:--Xmx8g} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn" \
  exec "$root/scripts/rsa" "$@"
