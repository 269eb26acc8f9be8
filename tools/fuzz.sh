#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets of tests/fuzz in build-fuzz (clang, -DNMT_FUZZ=ON:
# libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer) and runs each for a bounded time,
# one process at a time, niced. Not part of the test command (tools/run-tests.sh, CI).
#
#   bash tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, every target)
#   bash tools/fuzz.sh --seeds                            rewrite the model seeds (after a format change)
#
# Targets: model_file model_payload train_config classify_settings tokenizer parallel_corpus bleu_input
# Each starts from its seeds (tests/fuzz/corpus/TARGET, read only; a dictionary tests/fuzz/TARGET.dict
# where there is one) and a working corpus that
# grows between runs (build-fuzz/fuzz/TARGET/corpus). A finding is written to
# build-fuzz/fuzz/TARGET/artifacts/ (crash-*, oom-*, timeout-*, leak-*); reproduce it with
# build-fuzz/bin/fuzz_TARGET FILE. Per target the script prints runs, seconds, exec/s and
# findings, and exits 1 when there was any finding.
#
# Limits per target: -rss_limit_mb (NMT_FUZZ_RSS_MB, default 2048; also the largest single
# allocation), -timeout 10 s per input, -max_total_time SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${NMT_FUZZ_BUILD_DIR:-build-fuzz}
all_targets=(model_file model_payload train_config classify_settings tokenizer parallel_corpus bleu_input)

seeds_only=false
seconds=60
if [ "${1:-}" = "--seeds" ]; then seeds_only=true; shift; fi
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2; exit 2; }
done

# clang with libFuzzer's runtime (Debian: clang, libclang-rt-14-dev, libomp-14-dev for OpenMP).
have_libfuzzer() {
  local dir
  dir=$(mktemp -d)
  printf '#include <cstddef>\n#include <cstdint>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' \
    > "$dir/t.cpp"
  clang++ -fsanitize=fuzzer,address,undefined "$dir/t.cpp" -o "$dir/t" >/dev/null 2>&1
  local ok=$?
  rm -rf "$dir"
  return $ok
}
if ! command -v clang++ >/dev/null 2>&1 || ! have_libfuzzer; then
  echo "fuzz.sh: clang++ with libFuzzer not found; installing it (tools/install-deps.sh --fuzz)" >&2
  bash tools/install-deps.sh --fuzz
  have_libfuzzer || { echo "fuzz.sh: clang++ -fsanitize=fuzzer still fails" >&2; exit 1; }
fi

launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ nice -n 5 cmake -S . -B "$build" -DNMT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNMT_WITH_MPI=OFF "${launcher[@]}" >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)

if $seeds_only; then
  nice -n 5 cmake --build "$build" -j"$jobs" --target fuzz_make_model_seeds
  "$build/bin/fuzz_make_model_seeds"
  exit 0
fi

nice -n 5 cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"

rss_mb=${NMT_FUZZ_RSS_MB:-2048}
findings_total=0
summary=()
for t in "${targets[@]}"; do
  work="$build/fuzz/$t"
  mkdir -p "$work/corpus" "$work/artifacts"
  log="$work/last-run.log"
  before=$(find "$work/artifacts" -type f | wc -l)
  echo "fuzz.sh: $t for ${seconds} s (log: $log)"
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")  # names and values worth trying
  set +e
  # ASan: no leak report for a process that exits after max_total_time with objects still alive
  # in function-local statics; leaks in a single input are still found (-detect_leaks=1).
  nice -n 5 "$build/bin/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10 \
    -print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/artifacts/" "$work/corpus" "$root/tests/fuzz/corpus/$t" \
    >"$log" 2>&1
  rc=$?
  set -e
  after=$(find "$work/artifacts" -type f | wc -l)
  found=$((after - before))
  [ $rc -ne 0 ] && [ $found -eq 0 ] && found=1  # a failure that left no artifact (see the log)
  findings_total=$((findings_total + found))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$work/corpus" -type f | wc -l)
  line=$(printf '%-18s runs %-9s seconds %-5s exec/s %-6s corpus %-5s findings %s' "$t" "${runs:-?}" \
    "${took:-?}" "${per_second:-?}" "$corpus" "$found")
  summary+=("$line")
  echo "  $line"
  [ $found -ne 0 ] && { echo "  findings in $work/artifacts:"; tail -n 30 "$log" | sed 's/^/    /'; }
done
echo "fuzz.sh: summary (${seconds} s per target)"
printf '  %s\n' "${summary[@]}"
[ $findings_total -eq 0 ]
