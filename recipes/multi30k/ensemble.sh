#!/usr/bin/env bash
# Two independently seeded Transformers of transformer.ini, trained side by side with one shared
# vocabulary, then test_2016_flickr translated by each and by their ensemble, in float32 and int8
# (beam 5, batch 64): the ensemble's BLEU gain and int8's BLEU difference (README, "Fast decoding").
#
#   MULTI30K_DIR=../shared/data/multi30k recipes/multi30k/ensemble.sh [OUT_DIR] [UPDATES]
#
# Settings: VOCAB (a SentencePiece model to share; default: trained by the first run's nmt-train),
# TRAIN_THREADS (per run, default 1), THREADS (translation, default 2), ACCUMULATE (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${MULTI30K_DIR:-../shared/data/multi30k}
out=${1:-runs/ensemble}
updates=${2:-500}
[ -s "$data/train.de" ] || { echo "ensemble.sh: no Multi30k in '$data' (set MULTI30K_DIR)" >&2; exit 2; }
[ -x build/bin/nmt-train ] || { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)"; }
mkdir -p "$out"
vocab=${VOCAB:-}
if [ -z "$vocab" ]; then  # train the shared vocabulary once (one update, then only vocab.model is kept)
  build/bin/nmt-train --config recipes/multi30k/transformer.ini --data-dir "$data" --model-dir "$out/vocab-run" \
    --max-updates 1 --threads 1 --valid-every 100000 > "$out/vocab.log" 2>&1
  cp "$out/vocab-run/vocab.model" "$out/vocab.model"; rm -rf "$out/vocab-run"; vocab=$out/vocab.model
fi
for s in 1 2; do
  build/bin/nmt-train --config recipes/multi30k/transformer.ini --data-dir "$data" --model-dir "$out/seed$s" \
    --seed $s --vocab "$vocab" --threads "${TRAIN_THREADS:-1}" --accumulate "${ACCUMULATE:-2}" \
    --max-updates "$updates" --max-minutes 0 --valid-every $((updates / 2)) --save-every 100 --keep-last 5 \
    --log-every 25 > "$out/seed$s.train.log" 2>&1 &
done
wait
translate() {  # NAME ARGS...: translate, time and score one configuration
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  build/bin/nmt-translate "$@" --shortlist off --beam 5 --batch 64 --threads "${THREADS:-2}" < "$data/test_2016_flickr.de" > "$out/$name.en" 2> "$out/$name.log"
  end=$(date +%s.%N)
  printf '%-16s BLEU %s  chrF %s  %.2f s\n' "$name" \
    "$(build/bin/nmt-bleu "$data/test_2016_flickr.en" -i "$out/$name.en" -m bleu -b -w 2)" \
    "$(build/bin/nmt-bleu "$data/test_2016_flickr.en" -i "$out/$name.en" -m chrf -b -w 2)" "$(echo "$end - $start" | bc)"
}
for precision in fp32 int8; do
  translate "seed1.$precision" -m "$out/seed1/model.bin" --precision $precision
  translate "seed2.$precision" -m "$out/seed2/model.bin" --precision $precision
  translate "ensemble.$precision" -m "$out/seed1/model.bin" -m "$out/seed2/model.bin" --precision $precision
done
