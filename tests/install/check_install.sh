#!/usr/bin/env bash
# cmake --install into a fresh prefix, then use what it installed as an outsider would: the tools
# from the prefix (--version, a short nmt-train run, nmt-translate), a consumer project built with
# find_package(nmt) and another built with pkg-config, both translating through the library API;
# their translation must equal nmt-translate's.
#   check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$build/install-test
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for tool in nmt-train nmt-translate nmt-bleu nmt-average nmt-plot nmt-model-info; do
  [ -x "$prefix/bin/$tool" ] || { echo "FAIL: $tool not installed in $prefix/bin" >&2; exit 1; }
done
for file in include/nmt/nmt/search/translator.h include/nmt/tokenizer/tokenizer.h include/nmt/corpora/batcher.h \
            lib/libnmt_engine.a lib/cmake/nmt/nmtConfig.cmake lib/cmake/nmt/nmtTargets.cmake lib/pkgconfig/nmt.pc; do
  [ -e "$prefix/$file" ] || { echo "FAIL: $prefix/$file missing" >&2; exit 1; }
done
"$prefix/bin/nmt-translate" --version | grep -q "^nmt-translate 0\." || { echo "FAIL: --version" >&2; exit 1; }

# A tiny model, trained by the installed nmt-train on the test sample.
data=$source/tests/data/multi30k
head -n 300 "$data/train.de" > "$work/train.de"; head -n 300 "$data/train.en" > "$work/train.en"
head -n 20 "$data/val.de" > "$work/val.de"; head -n 20 "$data/val.en" > "$work/val.en"
"$prefix/bin/nmt-train" --train-source "$work/train.de" --train-target "$work/train.en" \
  --valid-source "$work/val.de" --valid-target "$work/val.en" --model-dir "$work/model" \
  --vocab-size 500 --d-model 32 --heads 2 --d-ff 64 --encoder-layers 1 --decoder-layers 1 \
  --batch-tokens 400 --max-updates 4 --threads 1 --beam 2 --valid-max-sentences 5 >"$work/train.log" 2>&1 ||
  { cat "$work/train.log" >&2; echo "FAIL: the installed nmt-train" >&2; exit 1; }
model=$work/model/model.bin
sentence="Ein Mann fährt mit dem Fahrrad die Straße entlang."
# --shortlist off: the consumers use the library's defaults, which take no vocabulary shortlist
# (nmt-translate's default uses the lexical table that nmt-train stores in the model).
expected=$(printf '%s\n' "$sentence" | "$prefix/bin/nmt-translate" -m "$model" --threads 1 --shortlist off)

# The CMake package.
cmake -S "$source/tests/install/consumer" -B "$work/consumer-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/consumer-cmake.log" 2>&1 &&
  cmake --build "$work/consumer-cmake" >>"$work/consumer-cmake.log" 2>&1 ||
  { cat "$work/consumer-cmake.log" >&2; echo "FAIL: find_package(nmt) consumer" >&2; exit 1; }
got=$(OMP_NUM_THREADS=1 "$work/consumer-cmake/translate_one" "$model" "$sentence")
[ "$got" = "$expected" ] || { echo "FAIL: find_package consumer says '$got', nmt-translate '$expected'" >&2; exit 1; }

# The pkg-config file.
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs nmt)
g++ -std=c++20 -O1 -o "$work/translate_one_pc" "$source/tests/install/consumer/translate_one.cpp" $flags ||
  { echo "FAIL: pkg-config consumer ($flags)" >&2; exit 1; }
got=$(OMP_NUM_THREADS=1 "$work/translate_one_pc" "$model" "$sentence")
[ "$got" = "$expected" ] || { echo "FAIL: pkg-config consumer says '$got', nmt-translate '$expected'" >&2; exit 1; }

echo "installed into $prefix; both consumers translate '$sentence' as nmt-translate does: '$expected'"
rm -rf "$work"
