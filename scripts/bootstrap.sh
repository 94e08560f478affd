#!/usr/bin/env bash
# Installs every Debian 12 package Tandem needs to build, test and benchmark.
# Idempotent: when everything is present it changes nothing and says so.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ccache
  # runtime libraries
  libboost-dev libssl-dev openssl libsqlite3-dev sqlite3 nlohmann-json3-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # python module (Debian's interpreter: PyPI is out of reach)
  python3 python3-dev pybind11-dev python3-pytest python3-hypothesis python3-pytest-xdist
  # outside programs the tests talk to
  dnsmasq-base sip-tester baresip-core kamailio tshark
  # tandem-view
  qt6-base-dev libgl-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
