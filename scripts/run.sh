#!/usr/bin/env bash
# The main job from a fresh clone: bootstrap, configure, build, then a 3-host
# twin run of the heartbeat demo that prints what happened and its trace hash.
# Extra arguments go to tandem-twin (e.g. --seed 7 --duration 120 --trace t.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh >&2
cmake --preset dev >/dev/null
cmake --build --preset dev --target tandem-twin >&2
exec build/dev/simulator/tandem-twin demo --hosts 3 --seed 42 --duration 60 "$@"
