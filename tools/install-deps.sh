#!/usr/bin/env bash
# Installs the Debian 12 packages this toolkit builds against, and nothing when all are present.
# Idempotent and quiet when nothing is missing. Run as root (or with sudo available).
# `--fuzz` adds clang and libFuzzer's runtime for tools/fuzz.sh (nothing else needs them).
set -euo pipefail
packages=(cmake g++ make pkg-config libopenblas-openmp-dev libboost-program-options-dev
          libboost-serialization-dev libsentencepiece-dev sentencepiece libicu-dev doctest-dev
          dpkg-dev file   # dpkg-dev, file: cpack -G DEB (dpkg-shlibdeps)
          libcpp-httplib-dev nlohmann-json3-dev   # nmt-serve
          openmpi-bin libopenmpi-dev   # data-parallel nmt-train under mpirun (README)
          chromium)  # nmt-serve's browser test, with node + npm (puppeteer-core, cached in build/)
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-14-dev libomp-14-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere (NodeSource's nodejs holds npm and conflicts with Debian's).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
