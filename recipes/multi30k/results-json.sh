# Reading the results.json that run.sh writes for every run; sourced by run.sh and compare-seeds.sh.

# field FILE KEY: the number or the string after "KEY": (the files are ours, one per run). Empty
# when the file has no such key (older runs' files lack some).
field() { { grep -o "\"$2\": *\"\?[^,\"]*" "$1" || true; } | head -1 | sed 's/.*: *"\?//'; }
