# Reading the results.json that run.sh writes for every run, and nmt-train's log; sourced by run.sh
# and compare-seeds.sh.

# field FILE KEY: the number or the string after "KEY": (the files are ours, one per run). Empty
# when the file has no such key (older runs' files lack some).
field() { { grep -o "\"$2\": *\"\?[^,\"]*" "$1" || true; } | head -1 | sed 's/.*: *"\?//'; }

# logged_train_seconds LOG: the training time of the whole run in whole seconds, from the last
# "end" record of nmt-train's log.jsonl. A resumed run's record counts the time spent before the
# interruption too (nmt-train restores it from the checkpoint). Empty when the log has no end.
logged_train_seconds() {
  { grep '"event": *"end"' "$1" || true; } | tail -1 | { grep -o '"elapsed_s": *[0-9.]*' || true; } |
    awk -F': *' '{ printf "%.0f\n", $2 }'
}
