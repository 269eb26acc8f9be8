#!/usr/bin/env bash
# Installs what is missing, builds (Release) and runs every test; then builds the engine with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs its tests again under them.
#   NMT_SKIP_SANITIZE=1   skip the sanitizer pass
#   NMT_SANITIZE_LABELS   ctest label regex for the sanitizer pass (default: engine)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

if [ "${NMT_SKIP_SANITIZE:-0}" != 1 ]; then
  labels=${NMT_SANITIZE_LABELS:-engine}
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNMT_SANITIZE=ON >/dev/null
  cmake --build build-sanitize -j"$jobs" --target engine_tests
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-sanitize -L "$labels" --output-on-failure
fi
