#!/usr/bin/env bash
# How sharp and how monotone each model's attention is, and (local-p) how far the predicted
# position p_t lies from where the model actually attends. Translates a set with beam 5 and reads
# the attention that nmt-translate prints (--attention --positions).
#
#   recipes/multi30k/attention-stats.sh RUN_DIR ...     (each holding model.bin, or averaged.bin)
#
# Settings (environment): MULTI30K_DIR (as run.sh), SET (default val), THREADS (default 1),
# MODEL (default model.bin), WINDOW (local-p's D for the Gaussian column; default 10).
# Per run, over every output subword (EOS excluded) of every sentence:
#   max weight   the mean of the largest weight of each attention row (1 = one position)
#   entropy      the mean entropy of a row, in nats
#   monotone     the share of steps whose argmax is not left of the previous step's
#   |p_t - a*|   local-p: the mean distance from p_t to the argmax a* of the row
#   G(a*)        local-p: the mean Gaussian factor exp(-(a* - p_t)^2 / (2 (D/2)^2)) at the argmax,
#                the share of its weight the window leaves to the position the model wants most
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${MULTI30K_DIR:-runs/multi30k/data}
set_name=${SET:-val}
[ -s "$data/$set_name.de" ] || { echo "attention-stats.sh: $data/$set_name.de is missing" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 RUN_DIR ..." >&2; exit 1; }
printf '| run | steps | max weight | entropy | monotone | |p_t - a*| | G(a*) |\n|---|---|---|---|---|---|---|\n'
for dir in "$@"; do
  model=$dir/${MODEL:-model.bin}
  [ -f "$model" ] || { echo "attention-stats.sh: no $model" >&2; exit 1; }
  build/bin/nmt-translate -m "$model" --beam 5 --batch 64 --threads "${THREADS:-1}" --attention --positions \
      < "$data/$set_name.de" |
    awk -F' \\|\\|\\| ' -v run="$(basename "$dir")" -v D="${WINDOW:-10}" '
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
          }
        }
      }
      END {
        printf "| %s | %d | %.3f | %.3f | %.3f | ", run, steps, max_sum / steps, entropy_sum / steps, monotone / pairs
        if (positioned) printf "%.2f | %.3f |\n", distance_sum / positioned, gauss_sum / positioned
        else printf "- | - |\n"
      }'
done
