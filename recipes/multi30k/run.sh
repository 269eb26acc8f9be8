#!/usr/bin/env bash
# Multi30k German->English: train, translate test_2016_flickr with beam 5, score it.
#
#   recipes/multi30k/run.sh [MODEL ...]      MODEL: a config name here (default: transformer)
#
# Settings (environment):
#   MULTI30K_DIR   the corpus folder (train/val/test_2016_flickr .de/.en); default: downloaded
#                  from the official Multi30k repository into runs/multi30k/data
#   MINUTES        training budget per model (default: each config's max-minutes)
#   RUNS           where models and results go (default: runs/multi30k)
#   THREADS        threads (default: all cores)
#   AVERAGE        average the newest K checkpoints (nmt-average; default 5, 0 = off) and keep
#                  the average when its validation BLEU beats the best single model's
#   TRAIN_ARGS     more nmt-train options, e.g. "--valid-every 200" (the command line wins)
#   SEED           random seed (initialisation, dropout, data order); when set, runs go to
#                  $RUNS/<model>-seed<SEED> so that several seeds of one model sit side by side
#   PRECISION      the GEMMs' precision: fp32 (default) or bf16 (nmt-train --gemm-precision;
#                  needs AVX512-BF16); bf16 runs go to $RUNS/<model>-bf16[-seed<SEED>]
#   TAG            a word for runs that differ in TRAIN_ARGS, e.g. TAG=sgd with TRAIN_ARGS="--optimizer
#                  sgd --lr 10": runs go to $RUNS/<model>[-bf16]-<TAG>[-seed<SEED>]
#   README         the file whose results table is rewritten after every run, from every
#                  $RUNS/*/results.json (default: recipes/multi30k/README.md; "" = none); the
#                  table lies between the lines <!-- results:begin --> and <!-- results:end -->
# Results: $RUNS/<run>/results.json, one row per run in $RUNS/results.md, and the README table.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-runs/multi30k}
THREADS=${THREADS:-0}
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(transformer)

data=${MULTI30K_DIR:-}
if [ -z "$data" ]; then
  data=$RUNS/data
  mkdir -p "$data"
  base=https://github.com/multi30k/dataset/raw/master/data/task1/raw
  for f in train.de train.en val.de val.en test_2016_flickr.de test_2016_flickr.en; do
    [ -s "$data/$f" ] || { curl -fsSL "$base/$f.gz" | gunzip > "$data/$f.tmp" && mv "$data/$f.tmp" "$data/$f"; } ||
      { echo "run.sh: cannot download $f; set MULTI30K_DIR=<folder with train/val/test_2016_flickr .de/.en>" >&2; exit 1; }
  done
fi
for f in train.de train.en val.de val.en test_2016_flickr.de test_2016_flickr.en; do
  [ -s "$data/$f" ] || { echo "run.sh: $data/$f is missing (set MULTI30K_DIR=<the Multi30k folder>)" >&2; exit 1; }
done

[ -x build/bin/nmt-train ] || { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)"; }

source recipes/multi30k/results-json.sh  # field FILE KEY, logged_train_seconds LOG

# Rewrites the table between the markers of $1 from every $RUNS/*/results.json, models in the
# order of the recipe (then seeds), so that a README shows every run made so far.
write_results_table() {
  local file=$1 table run json run_dir
  [ -f "$file" ] && grep -q '^<!-- results:begin -->$' "$file" && grep -q '^<!-- results:end -->$' "$file" || {
    echo "run.sh: $file has no <!-- results:begin --> / <!-- results:end --> lines; table not written" >&2
    return 0
  }
  table=$(mktemp)
  {
    echo '<!-- results:begin -->'
    echo '| run | BLEU | chrF | BLEU `-lc -tok intl` | parameters | training | updates | target tokens/s | threads | GEMMs | optimizer | tested |'
    echo '|---|---|---|---|---|---|---|---|---|---|---|---|'
    for model in rnn bahdanau luong-global-dot luong-global-general luong-global-concat luong-local-m luong-local-p transformer; do
      # The model's runs by name: <model>, then <model>-bf16, <model>-bf16-seed2, <model>-seed2, ...
      while IFS= read -r run_dir; do
        json=$run_dir/results.json
        [ -f "$json" ] || continue
        local precision optimizer
        precision=$(field "$json" gemm_precision)
        optimizer=$(field "$json" optimizer)
        printf '| %s | %s | %s | %s | %s | %s min | %s | %s | %s | %s | %s | %s |\n' "$(field "$json" run)" \
          "$(field "$json" bleu)" "$(field "$json" chrf)" "$(field "$json" bleu_lc_intl)" "$(field "$json" parameters)" \
          "$(( $(field "$json" train_seconds) / 60 ))" "$(field "$json" updates)" \
          "$(field "$json" target_tokens_per_s)" "$(field "$json" threads)" "${precision:-fp32}" "${optimizer:-adam}" \
          "$(field "$json" selected)"
      done < <(printf '%s\n' "$RUNS/$model" "$RUNS/$model"-*/ | sed 's:/$::' | LC_ALL=C sort)
    done
    echo '<!-- results:end -->'
  } > "$table.rows"
  awk -v rows="$table.rows" '
    /^<!-- results:begin -->$/ { while ((getline line < rows) > 0) print line; skip = 1; next }
    /^<!-- results:end -->$/ { skip = 0; next }
    !skip { print }' "$file" > "$table" && mv "$table" "$file"
  rm -f "$table.rows"
}
readme=${README-recipes/multi30k/README.md}

for model in "${models[@]}"; do
  config=recipes/multi30k/$model.ini
  [ -f "$config" ] || { echo "run.sh: no config $config" >&2; exit 1; }
  run=$model
  extra=(--gemm-precision "${PRECISION:-fp32}")
  [ "${PRECISION:-fp32}" = bf16 ] && run=$model-bf16
  [ -n "${TAG:-}" ] && run=$run-$TAG
  [ -n "${SEED:-}" ] && { run=$run-seed$SEED; extra+=(--seed "$SEED"); }
  out=$RUNS/$run
  mkdir -p "$out"
  [ -n "${MINUTES:-}" ] && extra+=(--max-minutes "$MINUTES")
  read -r -a train_args <<< "${TRAIN_ARGS:-}"
  extra+=("${train_args[@]}")
  resume=()
  ls "$out"/checkpoint* >/dev/null 2>&1 && resume=(--resume)
  start=$(date +%s)
  build/bin/nmt-train --config "$config" --data-dir "$data" --model-dir "$out" --threads "$THREADS" \
    "${extra[@]}" "${resume[@]}"
  train_seconds=$(( $(date +%s) - start ))
  # A resumed run's training time is the whole run's (the time before the interruption included).
  logged=$(logged_train_seconds "$out/log.jsonl")
  [ -n "$logged" ] && train_seconds=$logged
  build/bin/nmt-plot -o "$out/curves.svg" --x minutes "$out/log.jsonl" || true

  # The model to test: the best one by validation BLEU, or the average of the last checkpoints
  # when that scores higher on the validation set (never chosen by the test set).
  final=$out/model.bin
  selected=best
  val_bleu_best=$(build/bin/nmt-translate -m "$out/model.bin" --beam 5 --batch 64 --threads "$THREADS" \
    < "$data/val.de" | build/bin/nmt-bleu "$data/val.en" -m bleu -b -w 2)
  val_bleu_avg=null
  if [ "${AVERAGE:-5}" -gt 1 ] && [ "$(ls "$out"/checkpoint-*.bin 2>/dev/null | wc -l)" -ge 2 ]; then
    build/bin/nmt-average -o "$out/averaged.bin" --last "${AVERAGE:-5}" "$out"
    val_bleu_avg=$(build/bin/nmt-translate -m "$out/averaged.bin" --beam 5 --batch 64 --threads "$THREADS" \
      < "$data/val.de" | build/bin/nmt-bleu "$data/val.en" -m bleu -b -w 2)
    if awk -v a="$val_bleu_avg" -v b="$val_bleu_best" 'BEGIN { exit !(a > b) }'; then
      final=$out/averaged.bin
      selected=averaged
    fi
  fi
  echo "validation BLEU: best model $val_bleu_best, average $val_bleu_avg; testing the $selected one" >&2

  start=$(date +%s.%N)
  build/bin/nmt-translate -m "$final" --beam 5 --batch 64 --threads "$THREADS" \
    < "$data/test_2016_flickr.de" > "$out/test_2016_flickr.hyp.en"
  translate_seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

  ref=$data/test_2016_flickr.en
  hyp=$out/test_2016_flickr.hyp.en
  bleu=$(build/bin/nmt-bleu "$ref" -i "$hyp" -m bleu -b -w 2)
  chrf=$(build/bin/nmt-bleu "$ref" -i "$hyp" -m chrf -b -w 2)
  bleu_lc_intl=$(build/bin/nmt-bleu "$ref" -i "$hyp" -m bleu -lc -tok intl -b -w 2)
  chrf_lc=$(build/bin/nmt-bleu "$ref" -i "$hyp" -m chrf -lc -b -w 2)
  params=$(grep -m1 -o '"parameters": *[0-9]*' "$out/log.jsonl" | grep -o '[0-9]*$' || echo "?")
  # Updates and the mean target tokens/s of the whole run (validations included), from the
  # last training record of the log.
  last_train=$(grep '"event": *"train"' "$out/log.jsonl" | tail -1)
  updates=$(grep -o '"update": *[0-9]*' <<< "$last_train" | grep -o '[0-9]*$' || echo 0)
  tokps=$(awk -v t="$(grep -o '"target_tokens": *[0-9]*' <<< "$last_train" | grep -o '[0-9]*$')" \
              -v s="$(grep -o '"elapsed_s": *[0-9.]*' <<< "$last_train" | grep -o '[0-9.]*$')" \
              'BEGIN { if (s > 0) printf "%.0f", t / s; else print 0 }')
  optimizer=$(grep -m1 -o '"optimizer": *"[a-z]*"' "$out/log.jsonl" | sed 's/.*"\([a-z]*\)"$/\1/' || true)
  threads_used=$THREADS
  [ "$THREADS" = 0 ] && threads_used=$(nproc)
  cat > "$out/results.json" <<JSON
{"run": "$run", "model": "$model", "seed": "${SEED:-1}", "bleu": $bleu, "chrf": $chrf, "bleu_lc_intl": $bleu_lc_intl, "chrf_lc": $chrf_lc,
 "parameters": "$params", "train_seconds": $train_seconds, "updates": $updates, "target_tokens_per_s": $tokps,
 "translate_seconds": $translate_seconds, "selected": "$selected", "val_bleu_best": $val_bleu_best,
 "val_bleu_average": $val_bleu_avg, "threads": $threads_used, "gemm_precision": "${PRECISION:-fp32}", "optimizer": "${optimizer:-adam}", "machine": "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"}
JSON
  cat "$out/results.json"
  [ -f "$RUNS/results.md" ] || printf '| model | BLEU | chrF | BLEU (-lc -tok intl) | parameters | training time | target tokens/s |\n|---|---|---|---|---|---|---|\n' > "$RUNS/results.md"
  printf '| %s | %s | %s | %s | %s | %d min | %s |\n' "$run" "$bleu" "$chrf" "$bleu_lc_intl" "$params" \
    $((train_seconds / 60)) "$tokps" >> "$RUNS/results.md"
  [ -n "$readme" ] && write_results_table "$readme"
done
