#!/usr/bin/env bash
# Orchestration overhead of `rsa eval`'s path against a loopback OpenAI-compatible server:
# requests/s of the RSA loop versus raw HTTP replay of the same requests.
# Usage: scripts/bench-rollout.sh [problems N K T concurrency responseChars]   (defaults: 50 16 4 10 64 1000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cp_file="$root/rollout/target/bench.classpath"
mvn -B -q -pl rollout -am compile dependency:build-classpath -Dmdep.outputFile="$cp_file" >&2
exec java -Xmx2g -cp "$root/rollout/target/classes:$root/model/target/classes:$root/rewards/target/classes:$(cat "$cp_file")" \
  rsarl.rollout.bench.RolloutBench "$@"
