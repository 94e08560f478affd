#!/usr/bin/env bash
# The main job from a fresh clone: bootstrap, configure, build, then a real
# 3-peer cluster of tandemd processes on 127.0.0.11-13 (real TLS, real SQLite),
# formed with the guide's steps through tandemctl; a change made on the primary
# is shown arriving on every peer; each peer's clustering status is printed;
# every peer is stopped cleanly. Extra arguments go to scripts/cluster_demo.py
# (--peers N, --workdir DIR, --keep).
#
# The twin's demo is one command too: build/dev/simulator/tandem-twin demo --hosts 3
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh >&2
cmake --preset dev >/dev/null
cmake --build --preset dev --target tandemd tandemctl tandem_python >&2
PYTHONPATH="$PWD/build/dev/python" TANDEM_BUILD_DIR="$PWD/build/dev" exec /usr/bin/python3 scripts/cluster_demo.py "$@"
