#!/usr/bin/env bash
# The load test of nmt-serve beside nmt-translate's batch throughput, on the 200 German sentences of
# test_2016_flickr in tests/data/multi30k (a sample), loopback only, bounded in requests and time.
#   recipes/serve/bench.sh [MODEL]     (default: a small Transformer trained here briefly: 200 updates)
# Environment: BUILD (build), THREADS (2), REQUESTS per client (80: 80 + 8*80 + 64*80, then 64*80
# again to see whether memory stays flat: 10,960 requests in all), MAX_SECONDS for the load client (900).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
bin=$build/bin
threads=${THREADS:-2}
requests=${REQUESTS:-80}
work=$build/serve-bench
data=tests/data/multi30k
sentences=$data/test_2016_flickr.de
mkdir -p "$work"
model=${1:-}
if [ -z "$model" ]; then
  model=$work/model/model.bin
  if [ ! -f "$model" ]; then
    head -n 4000 $data/train.de > "$work/train.de"; head -n 4000 $data/train.en > "$work/train.en"
    head -n 50 $data/val.de > "$work/val.de"; head -n 50 $data/val.en > "$work/val.en"
    echo "bench: training a small model (d_model 128, 2+2 layers, 200 updates) ..." >&2
    "$bin/nmt-train" --train-source "$work/train.de" --train-target "$work/train.en" \
      --valid-source "$work/val.de" --valid-target "$work/val.en" --model-dir "$work/model" \
      --vocab-size 2000 --d-model 128 --heads 4 --d-ff 512 --encoder-layers 2 --decoder-layers 2 \
      --batch-tokens 2000 --max-updates 200 --threads "$threads" --beam 2 --valid-max-sentences 20 \
      > "$work/train.log" 2>&1 || { tail "$work/train.log" >&2; exit 1; }
  fi
fi
"$bin/nmt-model-info" "$model" | head -n 3

seconds() { local s; s=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $s" | bc -l; }
lines=$(wc -l < "$sentences")
for batch in 64 1; do
  t=$(seconds "$bin/nmt-translate" -m "$model" --beam 5 --batch "$batch" --threads "$threads" -i "$sentences")
  printf 'nmt-translate --beam 5 --batch %s: %d sentences in %.2f s = %.1f sentences/s\n' "$batch" "$lines" "$t" \
    "$(echo "$lines / $t" | bc -l)"
done

out=$work/serve.out
"$bin/nmt-serve" -m "$model" --port 0 --threads "$threads" > "$out" 2> "$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.2; done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$out")
[ -n "$port" ] || { cat "$work/serve.err" >&2; exit 1; }
echo
echo "nmt-serve --threads $threads (beam 5), POST /translate, one sentence per request:"
"$bin/nmt-serve-bench" --port "$port" -i "$sentences" --clients 1,8,64,64 --requests "$requests" \
  --max-seconds "${MAX_SECONDS:-900}"
kill -TERM $server
wait $server
trap - EXIT
