#!/usr/bin/env bash
# Throughput of `rsa serve` (HTTP + batching scheduler, driven by the openai backend) vs the Generator called
# directly, on the same seeded requests.
# Usage: scripts/bench-serve.sh MODEL_DIR [--requests R] [--concurrency C] [--max-tokens M] [--max-batch B]
#        [--batch-wait-ms W] [--fill-wait-ms F] [--repeat K] [--device D]
# Torch threads: RSA_THREADS (default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/build/rsa.jar"
if [[ $# -lt 1 ]]; then
  sed -n '2,6p' "$0" >&2
  exit 2
fi
export DJL_OFFLINE=true
export OPT_OUT_TRACKING=true
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
if [[ ! -f "$jar" ]] || [[ -n "$(find "$root" -path "$root/build" -prune -o \( -name '*.java' -o -name 'pom.xml' \) -newer "$jar" -print -quit)" ]]; then
  echo "bench-serve: building $jar ..." >&2
  (cd "$root" && mvn -B -q -DskipTests package >&2)
fi
threads="${RSA_THREADS:-2}"
exec java ${RSA_JAVA_OPTS:--Xmx8g} -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" \
  -Dai.djl.pytorch.num_interop_threads=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$jar" rsarl.rollout.serve.ServeBenchmark "$@"
