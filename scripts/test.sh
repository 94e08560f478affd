#!/usr/bin/env bash
# The whole test suite from a fresh clone: bootstrap, configure, build, then
# ctest (C++ unit and integration tests, lint) and pytest (the Python package and
# the real-process tests). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev -LE python --parallel 2
PYTHONPATH="$PWD/build/dev/python" TANDEM_BUILD_DIR="$PWD/build/dev" \
  /usr/bin/python3 -m pytest -p no:cacheprovider -n 2 --dist loadfile tests/scenarios tests/integration
