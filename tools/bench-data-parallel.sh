#!/usr/bin/env bash
# Data-parallel training on this machine, side by side in one run (README "Training on several
# processes or machines"):
#   1. one process, $CORES threads, --accumulate 2
#   2. mpirun -np 2, 1 thread per rank, --accumulate 1 (the same batches per update)
# on the Multi30k Transformer recipe, $UPDATES updates each; then the all-reduce time of 7.6 M and
# 60 M float32 values over loopback TCP. With BALANCE=1 also 2 ranks x --accumulate 2 with the
# batches dealt contiguously and by cost (--balance-batches). Usage:
#   [BALANCE=1] tools/bench-data-parallel.sh [MULTI30K_DIR] [UPDATES]      (build/ must hold nmt-train)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$root/../shared/data/multi30k}
updates=${2:-30}
bin=$root/build/bin/nmt-train
work=$(mktemp -d /tmp/nmt-dp-bench.XXXXXX)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
common=(--config "$root/recipes/multi30k/transformer.ini" --data-dir "$data" --max-minutes 0
        --valid-every 100000 --save-every 0 --log-every 5 --valid-bleu false)
# The vocabulary once (a one-update run), so that neither run spends time on it.
"$bin" "${common[@]}" --model-dir "$work/vocab" --max-updates 1 --valid-metric loss >/dev/null 2>&1 || true
vocab=$work/vocab/vocab.model
speed() {  # mean target tokens/s of the train events after the first (warm-up) one
  python3 - "$1" <<'PY'
import json, sys
v = [json.loads(l) for l in open(sys.argv[1]) if '"event": "train"' in l]
v = [e["target_tokens_per_s"] for e in v[1:]] or [0]
print(f"{sum(v) / len(v):.0f}")
PY
}
cores=$(nproc)
"$bin" "${common[@]}" --max-updates "$updates" --vocab "$vocab" --valid-metric loss --model-dir "$work/threads" \
  --threads "$cores" --accumulate 2 2>"$work/threads.err"
mpirun -np 2 --oversubscribe --bind-to core --map-by core -x OMP_NUM_THREADS=1 "$bin" "${common[@]}" --max-updates "$updates" \
  --vocab "$vocab" --valid-metric loss --model-dir "$work/ranks" --threads 1 --accumulate 1 \
  --log-batch-times true 2>"$work/ranks.err"
echo "1 process x $cores threads, --accumulate 2: $(speed "$work/threads/log.jsonl") target tokens/s"
echo "2 ranks x 1 thread, --accumulate 1:       $(speed "$work/ranks/log.jsonl") target tokens/s"
grep "per update:" "$work/ranks.err" | tail -3
echo "per-batch seconds ([index, rank, rows, source length, target length, target tokens, seconds]):"
grep '"batches"' "$work/ranks/log.jsonl" | tail -5
if [ "${BALANCE:-0}" = 1 ]; then
  for balance in false true; do
    mpirun -np 2 --oversubscribe --bind-to core --map-by core -x OMP_NUM_THREADS=1 "$bin" "${common[@]}" \
      --max-updates "$updates" --vocab "$vocab" --valid-metric loss --model-dir "$work/ranks-k2-$balance" --threads 1 \
      --accumulate 2 --balance-batches $balance 2>"$work/ranks-k2-$balance.err"
    echo "2 ranks x 1 thread, --accumulate 2, --balance-batches $balance: $(speed "$work/ranks-k2-$balance/log.jsonl") target tokens/s"
    grep "per update:" "$work/ranks-k2-$balance.err" | tail -1
  done
fi
grep "all-reduce bucket" "$work/ranks.err" || true
mpicc -O2 "$root/tools/bench/allreduce_bench.c" -o "$work/allreduce_bench"
echo "all-reduce over loopback TCP (2 ranks):"
mpirun -np 2 --oversubscribe --mca btl tcp,self "$work/allreduce_bench" 7600000 60000000
echo "all-reduce over shared memory (2 ranks):"
mpirun -np 2 --oversubscribe "$work/allreduce_bench" 7600000 60000000
echo "(runs kept in $work)"
