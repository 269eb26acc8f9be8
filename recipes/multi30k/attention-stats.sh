#!/usr/bin/env bash
# How sharp and how monotone each model's attention is, and (local-p) how far the predicted
# position p_t lies from where the model actually attends. Translates a set with beam 5 and reads
# the attention that nmt-translate prints (--attention --positions).
#
#   recipes/multi30k/attention-stats.sh RUN_DIR|MODEL_FILE ...
#
# A run folder means its model.bin (or $MODEL); a file (a checkpoint, say) is used as it is.
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
#   p_t >= 0.99 S  local-p: the share of steps whose sigmoid in p_t = S sigmoid(.) is saturated at
#                the sentence's end
#   whole source local-p: the share of steps whose window [p_t - D, p_t + D] holds every source
#                position (then local-p differs from global only by the Gaussian)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${MULTI30K_DIR:-runs/multi30k/data}
set_name=${SET:-val}
[ -s "$data/$set_name.de" ] || { echo "attention-stats.sh: $data/$set_name.de is missing" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 RUN_DIR ..." >&2; exit 1; }
printf '| run | steps | max weight | entropy | monotone | |p_t - a*| | G(a*) | p_t >= 0.99 S | whole source |\n|---|---|---|---|---|---|---|---|---|\n'
for arg in "$@"; do
  if [ -f "$arg" ]; then
    model=$arg label=$(basename "$(dirname "$arg")")/$(basename "$arg" .bin)
  else
    model=$arg/${MODEL:-model.bin} label=$(basename "$arg")
  fi
  [ -f "$model" ] || { echo "attention-stats.sh: no $model" >&2; exit 1; }
  build/bin/nmt-translate -m "$model" --beam 5 --batch 64 --threads "${THREADS:-1}" --attention --positions \
      < "$data/$set_name.de" |
    awk -F' \\|\\|\\| ' -v run="$label" -v D="${WINDOW:-10}" '
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
            saturated += (pos[t] >= 0.99 * n)
          }
        }
      }
      END {
        printf "| %s | %d | %.3f | %.3f | %.3f | ", run, steps, max_sum / steps, entropy_sum / steps, monotone / pairs
        if (positioned) printf "%.2f | %.3f | %.3f | %.3f |\n", distance_sum / positioned, gauss_sum / positioned,
                               saturated / positioned, whole / positioned
        else printf "- | - | - | - |\n"
      }'
done
