#!/usr/bin/env bash
# The quickstart: installs what is missing, builds (Release), trains a small German->English
# Transformer on the sample in recipes/quickstart/data for a few minutes, translates from stdin,
# draws the attention of each sentence, scores the validation sample with nmt-bleu and draws the
# training curves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target nmt-train nmt-translate nmt-bleu nmt-plot

run=runs/quickstart
rm -rf "$run"
build/bin/nmt-train --config recipes/quickstart/quickstart.ini --model-dir "$run"

echo
echo "== Translating from stdin:"
printf 'Ein Mann fährt mit dem Fahrrad die Straße entlang.\nZwei Hunde spielen im Schnee.\n' |
  build/bin/nmt-translate -m "$run/model.bin" --beam 5 --attention-svg "$run/attention"
echo "(attention heatmaps: $run/attention/)"

echo
echo "== BLEU on the 200 validation sentences (they were not trained on):"
build/bin/nmt-translate -m "$run/model.bin" --beam 5 < recipes/quickstart/data/valid.de > "$run/valid.hyp.en"
build/bin/nmt-bleu recipes/quickstart/data/valid.en -i "$run/valid.hyp.en" -m bleu chrf -f text -w 2
build/bin/nmt-plot -o "$run/curves.svg" "$run/log.jsonl"
echo "(training curves: $run/curves.svg)"
