#!/usr/bin/env bash
# Several seeds of each model side by side: the test BLEU and chrF of every seed with their mean
# and sample standard deviation; with two models, also the second minus the first seed by seed,
# so that "local-p is at least as good as global" is read together with its spread.
#
#   recipes/multi30k/compare-seeds.sh RUN [RUN ...]
#
# RUN names the runs of run.sh that differ only in SEED: luong-local-p-bf16-sgd gathers
# $RUNS/luong-local-p-bf16-sgd/results.json and $RUNS/luong-local-p-bf16-sgd-seed<N>/results.json,
# each under the seed its results.json records (run.sh's default is seed 1).
# Settings (environment): RUNS (as run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-runs/multi30k}
[ $# -gt 0 ] || { echo "usage: $0 RUN [RUN ...]" >&2; exit 1; }

source recipes/multi30k/results-json.sh  # field FILE KEY

# One line per seed: run, seed, test BLEU, test chrF, validation BLEU (of the model tested), updates.
rows=$(
  for name in "$@"; do
    found=0
    for file in "$runs/$name/results.json" "$runs/$name"-seed*/results.json; do
      [ -f "$file" ] || continue
      val=$(field "$file" val_bleu_best)
      [ "$(field "$file" selected)" = averaged ] && val=$(field "$file" val_bleu_average)
      echo "$name $(field "$file" seed) $(field "$file" bleu) $(field "$file" chrf) $val $(field "$file" updates)"
      found=1
    done
    [ "$found" = 1 ] || { echo "compare-seeds.sh: no $runs/$name[-seedN]/results.json" >&2; exit 1; }
  done
)

awk -v names="$*" '
  function mean(sum, n) { return sum / n }
  function sd(sum, squares, n) { return n > 1 ? sqrt((squares - sum * sum / n) / (n - 1)) : 0 }
  {
    key = $1 SUBSEP $2
    if (key in bleu) { printf "compare-seeds.sh: %s has seed %s twice\n", $1, $2 > "/dev/stderr"; failed = 1; exit 1 }
    bleu[key] = $3; chrf[key] = $4; val[key] = $5; updates[key] = $6
    seeds[$1] = seeds[$1] (seeds[$1] == "" ? "" : " ") $2
  }
  END {
    if (failed) exit 1
    n_names = split(names, name, " ")
    printf "| run | seeds | updates | test BLEU by seed | BLEU mean ± sd | chrF mean ± sd | val BLEU mean |\n"
    printf "|---|---|---|---|---|---|---|\n"
    for (i = 1; i <= n_names; ++i) {
      m = split(seeds[name[i]], s, " ")
      sorted = ""; b = b2 = c = c2 = v = 0; ups = ""
      for (j = 1; j <= m; ++j) {  # seeds in numeric order
        for (k = j + 1; k <= m; ++k) if (s[k] + 0 < s[j] + 0) { t = s[j]; s[j] = s[k]; s[k] = t }
      }
      for (j = 1; j <= m; ++j) {
        key = name[i] SUBSEP s[j]
        sorted = sorted (j > 1 ? ", " : "") s[j] ": " bleu[key]
        b += bleu[key]; b2 += bleu[key] ^ 2; c += chrf[key]; c2 += chrf[key] ^ 2; v += val[key]
        if (index(" " ups " ", " " updates[key] " ") == 0) ups = ups (ups == "" ? "" : "/") updates[key]
      }
      printf "| %s | %d | %s | %s | %.2f ± %.2f | %.2f ± %.2f | %.2f |\n", name[i], m, ups, sorted,
             mean(b, m), sd(b, b2, m), mean(c, m), sd(c, c2, m), mean(v, m)
    }
    if (n_names != 2) exit 0
    # The second run minus the first, over the seeds both have.
    m = split(seeds[name[1]], s, " ")
    n = 0; d = d2 = e = e2 = 0; ahead = 0; list = ""
    for (j = 1; j <= m; ++j) {
      a = name[1] SUBSEP s[j]; z = name[2] SUBSEP s[j]
      if (!(z in bleu)) continue
      diff = bleu[z] - bleu[a]; n++
      d += diff; d2 += diff ^ 2; e += chrf[z] - chrf[a]; e2 += (chrf[z] - chrf[a]) ^ 2
      ahead += (diff >= 0)
      list = list (n > 1 ? ", " : "") s[j] ": " sprintf("%+.2f", diff)
    }
    if (n == 0) { print "\nno seed in common" ; exit 0 }
    printf "\n%s minus %s, seed by seed (%d seeds in common): BLEU %s; mean %+.2f ± %.2f, chrF mean %+.2f ± %.2f; ahead or equal in %d of %d\n",
           name[2], name[1], n, list, d / n, sd(d, d2, n), e / n, sd(e, e2, n), ahead, n
  }
' <<< "$rows"
