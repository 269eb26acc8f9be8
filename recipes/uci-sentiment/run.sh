#!/usr/bin/env bash
# The founding article's attention demo and our improvements, under one protocol in one run:
# the article's split (last 20 % held out), 10-fold cross-validation x 3 seeds with a paired
# comparison against the article's LSTM, and amazon+yelp -> imdb (another domain); then the
# attention pictures. Usage (from the repository root, after building):
#   UCI_SENTIMENT_DIR=../shared/data/uci-sentiment recipes/uci-sentiment/run.sh [OUT_DIR]
# FOLDS / SEEDS override the protocol's size (e.g. FOLDS=2 SEEDS=1 for a quick look); GROUP_A /
# GROUP_B the variants (numbers of the *.ini files) of the two processes (GROUP_B= runs one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${UCI_SENTIMENT_DIR:?set UCI_SENTIMENT_DIR to the folder of amazon_cells_labelled.txt, yelp_labelled.txt, imdb_labelled.txt}
out=${1:-runs/uci-sentiment}
bin=${NMT_BIN:-$root/build/bin}
mkdir -p "$out"
export OMP_WAIT_POLICY=passive
# Two processes, one per core, each running its group of variants (numbers of the *.ini files);
# `nmt-classify report` then puts both groups' accuracies together, every variant paired with
# the first of group A (the article's LSTM) on the same folds and seeds.
groups=("${GROUP_A-1 2 3 4 5 9 11}" "${GROUP_B-6 7 8 10 12 13}")
raws=()
for g in 0 1; do
  [ -n "${groups[$g]// }" ] || continue
  files=()
  for n in ${groups[$g]}; do files+=("$here/$n"-*.ini); done
  "$bin/nmt-classify" protocol --variant "${files[@]}" \
      --data "$data/amazon_cells_labelled.txt" "$data/yelp_labelled.txt" \
      --cross-domain "$data/imdb_labelled.txt" \
      --folds "${FOLDS:-10}" --seeds "${SEEDS:-3}" --threads 1 --raw "$out/raw-$g.tsv" \
      > /dev/null 2> "$out/progress-$g.log" &
  raws+=("$out/raw-$g.tsv")
done
wait
"$bin/nmt-classify" report --raw "${raws[@]}" --report "$out/results.md" > /dev/null

# The pictures: the article's attention and ours, trained on the article's split, on held-out
# sentences (lines of yelp_labelled.txt, which holds the article's 400 test sentences).
for v in 2-article-lstm-attention 7-bilstm-attention-masked; do
  "$bin/nmt-classify" train --config "$here/$v.ini" --train "$data/amazon_cells_labelled.txt" \
      "$data/yelp_labelled.txt" --valid-split 0.2 --seed 1 --threads 1 --model "$out/$v.classifier" \
      2> "$out/$v.train.log" | tee "$out/$v.accuracy.txt"
  "$bin/nmt-classify" attention --model "$out/$v.classifier" --input "$data/yelp_labelled.txt" \
      --lines 601,605,620,633,650,700,777,801,888,950 --svg "$out/$v.svg"
done
echo "results: $out/results.md; pictures: $out/*.svg"
