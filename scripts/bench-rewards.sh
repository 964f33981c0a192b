#!/usr/bin/env bash
# Reward-function benchmark: math/choice/puzzle grades per second on one thread and the code
# sandbox round trip, printed as one JSON object. Extra arguments go to `rsa bench-rewards`
# (--seconds S, --code-runs N).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/scripts/rsa" bench-rewards "$@"
