#!/usr/bin/env bash
# BLEU of test_2016_flickr by source sentence length, as Luong et al. 2015 (figure 6) and
# Bahdanau et al. 2015 (figure 2) compare their models: one column per bucket of source words.
#
#   recipes/multi30k/bleu-by-length.sh RUN_DIR ...     (each holding test_2016_flickr.hyp.en)
#
# Settings (environment): MULTI30K_DIR (as run.sh), SET (default test_2016_flickr),
# BUCKETS (upper bounds of the buckets in source words, default "10 14 19"; the last bucket is
# everything longer).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${MULTI30K_DIR:-runs/multi30k/data}
set_name=${SET:-test_2016_flickr}
read -r -a bounds <<< "${BUCKETS:-10 14 19}"
[ -s "$data/$set_name.de" ] && [ -s "$data/$set_name.en" ] || { echo "bleu-by-length.sh: $data/$set_name.{de,en} missing (set MULTI30K_DIR=<the Multi30k folder>)" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 RUN_DIR ..." >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Bucket i (0-based) of every line, by its number of source words.
awk -v b="${bounds[*]}" 'BEGIN { n = split(b, ub, " ") }
  { k = n; for (i = 1; i <= n; ++i) if (NF <= ub[i]) { k = i - 1; break } print k }' "$data/$set_name.de" > "$work/bucket"
header="| run |" rule="|---|" low=1
for bound in "${bounds[@]}"; do
  header+=" $low-$bound words |"; rule+="---|"; low=$((bound + 1))
done
header+=" $low+ words |"; rule+="---|"
counts="| sentences |"
for ((k = 0; k <= ${#bounds[@]}; ++k)); do counts+=" $(grep -cx "$k" "$work/bucket" || true) |"; done
printf '%s\n%s\n%s\n' "$header" "$rule" "$counts"
for dir in "$@"; do
  hyp=$dir/$set_name.hyp.en
  [ -s "$hyp" ] || { echo "bleu-by-length.sh: no $hyp" >&2; exit 1; }
  [ "$(wc -l < "$hyp")" = "$(wc -l < "$data/$set_name.en")" ] || { echo "bleu-by-length.sh: $hyp and $data/$set_name.en differ in lines" >&2; exit 1; }
  row="| $(basename "$dir") |"
  for ((k = 0; k <= ${#bounds[@]}; ++k)); do
    paste -d '\t' "$work/bucket" "$data/$set_name.en" "$hyp" | awk -F'\t' -v k="$k" -v r="$work/ref" -v h="$work/hyp" \
      'BEGIN { printf "" > r; printf "" > h } $1 == k { print $2 > r; print $3 > h }'
    if [ -s "$work/ref" ]; then row+=" $(build/bin/nmt-bleu "$work/ref" -i "$work/hyp" -m bleu -b -w 2) |"; else row+=" - |"; fi
  done
  echo "$row"
done
