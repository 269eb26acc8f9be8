#!/usr/bin/env bash
# Decoding speed of one Transformer model on test_2016_flickr, configuration after configuration in
# one run (README, "Fast decoding"): float32, int8 (weights stored by nmt-quantize), int8 + the
# vocabulary shortlist, each with beam 5 / batch 64 and with beam 1 / batch 1 (latency); per line
# the whole program's wall and CPU time (/usr/bin/time), its ratio to float32's, BLEU, and peak RSS.
#
#   MULTI30K_DIR=../shared/data/multi30k recipes/multi30k/bench-decoding.sh MODEL [OUT_DIR]
#
# MODEL: a model file of nmt-train (with its lexical table for shortlists, which nmt-train stores;
# nmt-shortlist adds one to older files). Settings: THREADS (default 2), REPEAT (runs per
# configuration, alternating, default 1; the table shows each run), TRANSLATE (the nmt-translate
# binary, default build/bin/nmt-translate: point it at another build to compare commits).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${MULTI30K_DIR:-../shared/data/multi30k}
model=${1:?usage: bench-decoding.sh MODEL [OUT_DIR]}
out=${2:-runs/bench-decoding}
threads=${THREADS:-2}
repeat=${REPEAT:-1}
translate=${TRANSLATE:-build/bin/nmt-translate}
[ -s "$data/test_2016_flickr.de" ] || { echo "bench-decoding.sh: no Multi30k in '$data' (set MULTI30K_DIR)" >&2; exit 2; }
[ -s "$model" ] || { echo "bench-decoding.sh: no model file '$model'" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-decoding.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
[ -x build/bin/nmt-quantize ] || { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)"; }
mkdir -p "$out"
lines=$(wc -l < "$data/test_2016_flickr.de")
build/bin/nmt-quantize "$model" -o "$out/model.int8.bin" > "$out/quantize.log" 2>&1
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}  # a thread that waits sleeps (matters when the machine is shared)

declare -A base_wall base_cpu
run() {  # NAME BEAM BATCH MODEL ARGS...
  local name=$1 beam=$2 batch=$3 file=$4; shift 4
  local tag=$name.beam$beam
  /usr/bin/time -f '%e %U %S %M' -o "$out/$tag.time" "$translate" -m "$file" --beam "$beam" --batch "$batch" \
    --threads "$threads" "$@" < "$data/test_2016_flickr.de" > "$out/$tag.en" 2> "$out/$tag.log"
  local wall cpu_user cpu_sys rss cpu bleu
  read -r wall cpu_user cpu_sys rss < <(tail -1 "$out/$tag.time")
  cpu=$(echo "$cpu_user + $cpu_sys" | bc)
  bleu=$(build/bin/nmt-bleu "$data/test_2016_flickr.en" -i "$out/$tag.en" -b -w 2)
  if [ "$name" = float32 ]; then base_wall[$beam]=$wall; base_cpu[$beam]=$cpu; fi
  printf '| %s | %s / %s | %.2f s | %.2f s | %.2fx | %.2fx | %.2f ms | %s | %d MB |\n' "$name" "$beam" "$batch" "$wall" "$cpu" \
    "$(echo "${base_wall[$beam]} / $wall" | bc -l)" "$(echo "${base_cpu[$beam]} / $cpu" | bc -l)" \
    "$(echo "1000 * $wall / $lines" | bc -l)" "$bleu" "$((rss / 1024))"
}
echo "model: $model, $threads threads, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo '| configuration | beam / batch | wall | CPU | vs float32 (wall) | vs float32 (CPU) | wall per sentence | BLEU | peak RSS |'
echo '|---|---|---|---|---|---|---|---|---|'
for ((i = 1; i <= repeat; ++i)); do
  for setting in "5 64" "1 1"; do
    read -r beam batch <<< "$setting"
    run float32 "$beam" "$batch" "$model" --precision fp32 --shortlist off
    run int8 "$beam" "$batch" "$out/model.int8.bin" --shortlist off
    run int8+shortlist "$beam" "$batch" "$out/model.int8.bin" --shortlist on
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
