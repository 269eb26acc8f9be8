#!/usr/bin/env bash
# How sharp and how monotone each model's attention is, and (local-p) how far the predicted
# position p_t lies from where the model actually attends. Translates a set with beam 5 and reads
# the attention that nmt-translate prints (--attention --positions).
#
#   recipes/multi30k/attention-stats.sh RUN_DIR|MODEL_FILE|--output FILE ...
#
# A run folder means its model.bin (or $MODEL); a file (a checkpoint, say) is used as it is;
# `--output FILE` summarises the saved output of `nmt-translate --attention --positions` instead
# of translating (SAVE=DIR keeps each model's output there as LABEL.att for that).
#
# Settings (environment): MULTI30K_DIR (as run.sh), SET (default val), THREADS (default 1),
# MODEL (default model.bin), WINDOW (local-p's D for the Gaussian column; default 10), SAVE.
# Per run, over every output subword (EOS excluded) of every sentence:
#   max weight   the mean of the largest weight of each attention row (1 = one position)
#   entropy      the mean entropy of a row, in nats
#   monotone     the share of steps whose argmax is not left of the previous step's
#   |p_t - a*|   local-p: the mean distance from p_t to the argmax a* of the row
#   G(a*)        local-p: the mean Gaussian factor exp(-(a* - p_t)^2 / (2 (D/2)^2)) at the argmax,
#                the share of its weight the window leaves to the position the model wants most
#   p_t <= 0.01 S, p_t >= 0.99 S  local-p: the shares of steps whose sigmoid in
#                p_t = S sigmoid(.) is saturated at the sentence's start or end (where its
#                gradient vanishes, so that training can no longer move p_t)
#   whole source local-p: the share of steps whose window [p_t - D, p_t + D] holds every source
#                position (then local-p differs from global only by the Gaussian)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${MULTI30K_DIR:-runs/multi30k/data}
set_name=${SET:-val}
[ $# -gt 0 ] || { echo "usage: $0 RUN_DIR|MODEL_FILE|--output FILE ..." >&2; exit 1; }

# summarise LABEL: one table row from nmt-translate's output on stdin.
summarise() {
  awk -F' \\|\\|\\| ' -v run="$1" -v D="${WINDOW:-10}" '
    {
      n_rows = split($2, rows, " ")
      n_pos = split($3, pos, " ")
      previous = -1
      for (t = 1; t < n_rows; ++t) {  # the last row is EOS
        n = split(rows[t], w, ",")
        best = 1; entropy = 0
        for (s = 1; s <= n; ++s) {
          if (w[s] > w[best]) best = s
          if (w[s] > 0) entropy -= w[s] * log(w[s])
        }
        steps++; max_sum += w[best]; entropy_sum += entropy
        if (previous >= 0) { pairs++; monotone += (best >= previous) }
        previous = best
        if (n_pos == n_rows) {
          d = (best - 1) - pos[t]; if (d < 0) d = -d
          positioned++; distance_sum += d
          gauss_sum += exp(-d * d / (2 * (D / 2) * (D / 2)))
          centre = int(pos[t] + 0.5); if (centre > n - 1) centre = n - 1
          whole += (centre - D <= 0 && centre + D >= n - 1)
          at_start += (pos[t] <= 0.01 * n)
          at_end += (pos[t] >= 0.99 * n)
        }
      }
    }
    END {
      if (!steps) { printf "attention-stats.sh: no attention rows for %s\n", run > "/dev/stderr"; exit 1 }
      printf "| %s | %d | %.3f | %.3f | %.3f | ", run, steps, max_sum / steps, entropy_sum / steps,
             pairs ? monotone / pairs : 1
      if (positioned) printf "%.2f | %.3f | %.3f | %.3f | %.3f |\n", distance_sum / positioned,
                             gauss_sum / positioned, at_start / positioned, at_end / positioned,
                             whole / positioned
      else printf "- | - | - | - | - |\n"
    }'
}

header='| run | steps | max weight | entropy | monotone | |p_t - a*| | G(a*) | p_t <= 0.01 S | p_t >= 0.99 S | whole source |'
header+=$'\n|---|---|---|---|---|---|---|---|---|---|'
printed=0
while [ $# -gt 0 ]; do
  if [ "$1" = --output ]; then
    [ $# -ge 2 ] && [ -f "$2" ] || { echo "attention-stats.sh: --output needs a file of nmt-translate output${2:+ ($2 is missing)}" >&2; exit 1; }
    [ $printed = 1 ] || { echo "$header"; printed=1; }
    summarise "$(basename "$2" .att)" < "$2"
    shift 2
    continue
  fi
  if [ -f "$1" ]; then
    model=$1 label=$(basename "$(dirname "$1")")/$(basename "$1" .bin)
  else
    model=$1/${MODEL:-model.bin} label=$(basename "$1")
  fi
  [ -f "$model" ] || { echo "attention-stats.sh: no $model" >&2; exit 1; }
  [ -s "$data/$set_name.de" ] || { echo "attention-stats.sh: $data/$set_name.de is missing (set MULTI30K_DIR=<the Multi30k folder>)" >&2; exit 1; }
  [ $printed = 1 ] || { echo "$header"; printed=1; }
  keep=/dev/null
  [ -n "${SAVE:-}" ] && { mkdir -p "$SAVE"; keep=$SAVE/${label//\//-}.att; }
  build/bin/nmt-translate -m "$model" --beam 5 --batch 64 --threads "${THREADS:-1}" --attention --positions \
      < "$data/$set_name.de" | tee "$keep" | summarise "$label"
  shift
done
