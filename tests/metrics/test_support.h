// Shared helpers of the metrics tests: where the sacreBLEU test vectors live, and how a check's
// sacreBLEU command line ("-m bleu -tok intl -lc", "-m chrf -cw 2", "-m bleu -sl -s floor", ...)
// maps onto the library's configurations.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/metrics/ter.h"

namespace nmt::metrics::testing {

// The shared test vectors, reached from the repository (never an absolute path).
inline std::string testdata_dir() { return NMT_TEST_DATA_DIR "/sacrebleu"; }

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> split_on(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

// One check of the manifest, as the library sees it.
struct CheckSpec {
  std::string metric = "bleu";  // bleu, chrf, ter
  bool sentence_level = false;
  BleuConfig bleu;
  ChrfConfig chrf;
  TerConfig ter;
};

inline CheckSpec parse_cli(const std::string& cli) {
  CheckSpec spec;
  std::istringstream in(cli);
  std::vector<std::string> args;
  for (std::string a; in >> a;) args.push_back(a);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-m") spec.metric = args.at(++i);
    else if (a == "-tok") spec.bleu.tokenize = args.at(++i);
    else if (a == "-lc") spec.bleu.lowercase = true;
    else if (a == "-s") spec.bleu.smooth_method = parse_smooth_method(args.at(++i));
    else if (a == "-sl") spec.sentence_level = true;
    else if (a == "-cw") spec.chrf.word_order = std::stoi(args.at(++i));
    else if (a == "--chrf-whitespace") spec.chrf.whitespace = true;
    else if (a == "--chrf-lowercase") spec.chrf.lowercase = true;
    else FAIL("unknown option in a check's command line: " << a);
  }
  spec.bleu.effective_order = spec.sentence_level;
  return spec;
}

// What a check produces: sacreBLEU's score, flat statistics, signature and text line (width 2),
// plus BLEU's details.
struct Evaluation {
  double score = 0.0;
  std::vector<double> stats;
  std::string signature;
  std::string text;
  BleuScore bleu;
  TerStats ter;
};

// Scores segments [first, last) of a corpus (corpus checks: all of them; sentence checks: one).
inline Evaluation evaluate(const CheckSpec& spec, const std::vector<std::string_view>& hyps,
                           const std::vector<std::vector<std::string_view>>& refs) {
  Evaluation e;
  const int nrefs = static_cast<int>(refs.size());
  Score score;
  Signature sig;
  if (spec.metric == "bleu") {
    Bleu bleu(spec.bleu);
    const BleuStats stats = bleu.corpus_statistics(hyps, refs);
    e.bleu = bleu.compute(stats);
    for (const auto v : stats.as_list(spec.bleu.max_ngram_order)) e.stats.push_back(static_cast<double>(v));
    score = e.bleu.as_score();
    sig = bleu.signature(nrefs);
  } else if (spec.metric == "chrf") {
    Chrf chrf(spec.chrf);
    const auto stats = chrf.corpus_statistics(hyps, refs);
    for (const auto v : stats) e.stats.push_back(static_cast<double>(v));
    score = chrf.score(stats);
    sig = chrf.signature(nrefs);
  } else {
    Ter ter(spec.ter);
    e.ter = ter.corpus_statistics(hyps, refs);
    e.stats = {static_cast<double>(e.ter.num_edits), e.ter.ref_length};
    score = Ter::score(e.ter);
    sig = ter.signature(nrefs);
  }
  e.score = score.score;
  e.signature = sig.format();
  e.text = format_text(score, e.signature, 2);
  return e;
}

}  // namespace nmt::metrics::testing
