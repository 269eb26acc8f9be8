#!/usr/bin/env bash
# Peak memory and time of nmt-translate on malformed inputs, against Multi30k's val.de (README
# "nmt-translate", bounded resources). A benchmark, not a test. Usage:
#   [LINES=N] [NMT_TRANSLATE=path] tools/bench-malformed-inputs.sh MULTI30K_DIR MODEL [nmt-translate options ...]
# e.g. with --batch-tokens 0 for the batching by sentence count alone; LINES=N takes val.de's
# first N lines (default: all 1,014) on a busy machine. The inputs (made in a temporary directory):
#   val.de             the lines as they are
#   41k-line           val.de with one 41 KB line (val.de's own text, run together) in the middle
#   8x41k-lines        val.de with 8 such lines in the middle (a batch of over-long lines)
#   22m-line           val.de with one 22 MB line in the middle
#   random-bytes       20 KB of random bytes (invalid UTF-8, lines of random length)
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 MULTI30K_DIR MODEL [nmt-translate options ...]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
data=$1
model=$2
shift 2
bin=${NMT_TRANSLATE:-$root/build/bin/nmt-translate}  # another build to compare: NMT_TRANSLATE=path
work=$(mktemp -d /tmp/nmt-malformed-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
val=$work/val.de
head -n "${LINES:-1000000}" "$data/val.de" > "$val"
half=$(( $(wc -l < "$val") / 2 ))

long_line() {  # val.de's text run together (newlines made spaces), cut to $1 bytes, no newline
  local bytes=$1
  tr '\n' ' ' < "$val" > "$work/text"
  while [ "$(stat -c %s "$work/text")" -lt "$bytes" ]; do  # doubled until long enough
    cat "$work/text" "$work/text" > "$work/text2"
    mv "$work/text2" "$work/text"
  done
  head -c "$bytes" "$work/text"
}
insert() {  # val.de with the lines of file $2 after its first half; into $1
  { head -n "$half" "$val"; cat "$2"; tail -n +"$((half + 1))" "$val"; } > "$1"
}
{ long_line 41000; echo; } > "$work/one-41k"
for _ in 1 2 3 4 5 6 7 8; do cat "$work/one-41k"; done > "$work/eight-41k"
{ long_line 22000000; echo; } > "$work/one-22m"
insert "$work/41k-line" "$work/one-41k"
insert "$work/8x41k-lines" "$work/eight-41k"
insert "$work/22m-line" "$work/one-22m"
head -c 20000 /dev/urandom > "$work/random-bytes"

printf '%-14s %12s %12s %8s %10s\n' input bytes "peak RSS MB" "x val.de" seconds
base=
for input in val.de 41k-line 8x41k-lines random-bytes 22m-line; do
  /usr/bin/time -v "$bin" -m "$model" -i "$work/$input" "$@" > "$work/out" 2> "$work/err" || {
    echo "$input: nmt-translate failed:" >&2
    tail -5 "$work/err" >&2
    exit 1
  }
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/err")
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; ++i) s = s * 60 + t[i]; print s}' "$work/err")
  [ -n "$base" ] || base=$rss
  awk -v name="$input" -v bytes="$(stat -c %s "$work/$input")" -v rss="$rss" -v base="$base" -v s="$seconds" \
    'BEGIN { printf "%-14s %12d %12.0f %8.2f %10.1f\n", name, bytes, rss / 1024, rss / base, s }'
done
