#!/usr/bin/env bash
# Training speed against the PyTorch peer (../shared/peers/torch), one after the other on the
# same machine: same corpus, same SentencePiece model (the peer's), 4,096-token batches, same
# threads. Prints one JSON line for each side.
#
#   recipes/multi30k/bench-vs-peer.sh bahdanau|transformer [THREADS]
#
# Ours: target tokens per second between updates 20 and 120 (log.jsonl), peak RSS, once for each
# GEMM precision in PRECISIONS (default "fp32 bf16"; bf16 is left out on CPUs without
# AVX512-BF16). The peer: its bench-train (100 steps after 20 warm-up steps), float32.
# Settings: MULTI30K_DIR (default ../shared/data/multi30k), PEERS (default ../shared/peers/torch),
# PEER_WORK (the peer's work folder, default runs/torch-peer in this repository).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?usage: bench-vs-peer.sh bahdanau|transformer [THREADS]}
threads=${2:-2}
case "$model" in bahdanau) peer_model=rnn ;; transformer) peer_model=transformer ;;
  *) echo "bench-vs-peer.sh: no peer for '$model' (bahdanau or transformer)" >&2; exit 2 ;; esac
data=${MULTI30K_DIR:-../shared/data/multi30k}
peers=${PEERS:-../shared/peers/torch}
[ -s "$data/train.de" ] || { echo "bench-vs-peer.sh: no Multi30k in '$data' (set MULTI30K_DIR=<folder with train.de, train.en, ...>)" >&2; exit 2; }
[ -s "$peers/run.sh" ] || { echo "bench-vs-peer.sh: no PyTorch peer in '$peers' (set PEERS=<folder with run.sh>)" >&2; exit 2; }
export PEER_WORK=${PEER_WORK:-$PWD/runs/torch-peer}
# The peer's run.sh keeps its files (SentencePiece model included) in this folder of PEER_WORK.
peer_files=peers/torch/work
vocab=$PEER_WORK/$peer_files/spm.model
[ -s "$vocab" ] || bash "$peers/run.sh" setup >&2
[ -x build/bin/nmt-train ] || { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)"; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
precisions=${PRECISIONS:-fp32 bf16}
grep -qw avx512_bf16 /proc/cpuinfo || precisions=${precisions//bf16/}
for precision in $precisions; do
  rm -rf "$out/run"
  /usr/bin/time -f "%M" -o "$out/rss_kb" build/bin/nmt-train --config "recipes/multi30k/$model.ini" \
    --data-dir "$data" --vocab "$vocab" --model-dir "$out/run" --batch-tokens 4096 --max-updates 120 \
    --log-every 20 --valid-every 100000 --valid-max-sentences 10 --threads "$threads" \
    --gemm-precision "$precision" > "$out/train.out" 2>&1 || { cat "$out/train.out" >&2; exit 1; }
  # target_tokens and elapsed_s of the training records at updates 20 and 120.
  read -r t20 s20 t120 s120 < <(awk '
    /"event": "train"/ {
      u = $0; sub(/.*"update": /, "", u); sub(/[,}].*/, "", u)
      t = $0; sub(/.*"target_tokens": /, "", t); sub(/[,}].*/, "", t)
      s = $0; sub(/.*"elapsed_s": /, "", s); sub(/[,}].*/, "", s)
      if (u == 20) { t20 = t; s20 = s } if (u == 120) { t120 = t; s120 = s }
    }
    END { print t20, s20, t120, s120 }' "$out/run/log.jsonl")
  awk -v m="$model" -v th="$threads" -v p="$precision" -v a="$t20" -v b="$t120" -v x="$s20" -v y="$s120" \
    -v rss="$(cat "$out/rss_kb")" \
    'BEGIN { printf "{\"bench\": \"train\", \"side\": \"ours\", \"model\": \"%s\", \"gemm_precision\": \"%s\", \"threads\": %d, \"tgt_tokens_per_s\": %.1f, \"updates\": \"20-120\", \"peak_rss_mib\": %.1f}\n", m, p, th, (b - a) / (y - x), rss / 1024 }'
done
bash "$peers/run.sh" bench-train "$peer_model" "$threads" | tail -1
