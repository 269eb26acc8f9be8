#!/usr/bin/env bash
# The Debian packages: cpack -G DEB makes nmt_*.deb (the tools) and libnmt-dev_*.deb (headers,
# static libraries, CMake and pkg-config files); their Depends name the runtime libraries; as
# root they install with apt-get, put the tools on PATH, and are removed again. Exit 77 (CTest:
# skipped) where installing is not possible here, saying why.
#   check_deb.sh BUILD_DIR
set -euo pipefail
build=$1
work=$build/deb-test
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v dpkg-deb >/dev/null || { echo "skipped: dpkg-deb is missing (not a Debian system)"; exit 77; }
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack -G DEB"; }
tools_deb=$(ls "$work"/nmt_*_*.deb) dev_deb=$(ls "$work"/libnmt-dev_*_*.deb)
depends=$(dpkg-deb -f "$tools_deb" Depends)
echo "nmt Depends: $depends"
for library in libopenblas0-openmp libsentencepiece0 libicu72 libboost-program-options1.74.0 \
               libboost-serialization1.74.0 libgomp1 libstdc++6; do
  [[ "$depends" == *"$library"* ]] || fail "the nmt package does not depend on $library"
done
[[ "$(dpkg-deb -f "$dev_deb" Depends)" == *libsentencepiece-dev* ]] || fail "libnmt-dev lacks its -dev Depends"
tools_files=$(dpkg-deb -c "$tools_deb") dev_files=$(dpkg-deb -c "$dev_deb")
grep -q '\./usr/bin/nmt-translate$' <<<"$tools_files" || fail "nmt-translate is not in /usr/bin"
grep -q '\./usr/include/nmt/nmt/search/translator.h$' <<<"$dev_files" || fail "headers missing"
grep -q 'cmake/nmt/nmtConfig.cmake$' <<<"$dev_files" || fail "CMake package missing"

[ "$(id -u)" -eq 0 ] || { echo "skipped installing: apt-get install needs root (the packages were built and checked)"; exit 77; }
command -v apt-get >/dev/null || { echo "skipped installing: no apt-get"; exit 77; }
if dpkg-query -W -f='${Status}' nmt 2>/dev/null | grep -q "install ok installed"; then
  echo "skipped installing: a package named nmt is installed already (left as it is)"; exit 77
fi
trap 'apt-get remove -y -qq nmt libnmt-dev >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
# A missing dependency (e.g. libopenblas0) comes from Debian's archive: refresh the lists once if needed.
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$tools_deb" "$dev_deb" >"$work/apt.log" 2>&1 ||
  { apt-get update -qq >>"$work/apt.log" 2>&1; apt-get install -y -qq "$tools_deb" "$dev_deb" >>"$work/apt.log" 2>&1; } ||
  { cat "$work/apt.log" >&2; fail "apt-get install ./nmt_*.deb ./libnmt-dev_*.deb"; }
[ "$(command -v nmt-translate)" = /usr/bin/nmt-translate ] || fail "nmt-translate is not on PATH after installing"
nmt-translate --version | grep -q "^nmt-translate 0\." || fail "the installed nmt-translate --version"
pkg-config --exists nmt || fail "pkg-config does not find nmt after installing libnmt-dev"
echo "installed $(basename "$tools_deb") and $(basename "$dev_deb") with apt-get; nmt-translate on PATH; removed again"
