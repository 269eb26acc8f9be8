#!/usr/bin/env python3
"""The accuracies in progress logs of `nmt-classify protocol` (its stderr) as one --raw file, for
`nmt-classify report`: how the README puts a variant measured in pieces (seeds run in separate
processes with --first-seed, or a first run's logs) beside others. Each (variant, part, fold, seed)
is taken from the first log that has it; cross-validation accuracies are written fold-major, as
the protocol orders them.

usage: progress-to-raw.py SEEDS [OLD=NEW,...] LOG... > all.tsv
  SEEDS: the seeds to keep, e.g. 1,2,3; OLD=NEW renames variants (may be empty: '').
A line `NAME cross-domain, seed S: X % (T s)` written by hand (e.g. from `nmt-classify train` +
`predict`) counts like one from a log."""
import re
import sys

seeds = [int(s) for s in sys.argv[1].split(",")]
rename = dict(p.split("=") for p in sys.argv[2].split(",") if p)
line_re = re.compile(r"^(\S+) (article split|fold (\d+)|cross-domain), seed (\d+): ([\d.]+) % \(([\d.]+) s\)$")
runs, order = {}, []
for path in sys.argv[3:]:
    for line in open(path):
        m = line_re.match(line.strip())
        if not m:
            continue
        name, part, fold, seed, acc, secs = m.groups()
        name = rename.get(name, name)
        if int(seed) not in seeds:
            continue
        if name not in runs:
            runs[name] = {}
            order.append(name)
        key = ("article" if part.startswith("article") else "cv" if fold else "imdb", int(fold or 0), int(seed))
        runs[name].setdefault(key, (float(acc) / 100, float(secs)))

train_sizes = {"article": 1600, "cv": 1800, "imdb": 2000}  # sentences per model (x 10 epochs)
epochs = 10
folds = max(k[1] for r in runs.values() for k in r if k[0] == "cv")
print(f"# nmt-classify protocol: folds {folds} seeds {len(seeds)} data 2000")
for name in order:
    r, seconds, sentences = runs[name], 0.0, 0
    for part in ("article", "cv", "imdb"):
        keys = sorted((k for k in r if k[0] == part), key=lambda k: (k[1], k[2]))
        if part == "cv" and len(keys) != folds * len(seeds):
            sys.exit(f"{name}: {len(keys)} cross-validation accuracies, expected {folds * len(seeds)}")
        for k in keys:
            print(f"{name}\t{part}\t{r[k][0]!r}")
            seconds += r[k][1]
            sentences += train_sizes[part] * epochs
    print(f"{name}\tseconds\t{seconds!r}")
    print(f"{name}\tsentences\t{sentences}")
