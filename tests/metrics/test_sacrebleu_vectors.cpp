// Every case and check of the sacreBLEU 2.6.0 test vectors (tests/data/sacrebleu, see its
// README.md): corpus and sentence scores, statistics, signatures, the text lines sacreBLEU
// prints, and the tokenised lines of the synthetic cases. Read through the library; the command
// line is tested in test_cli.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "json.h"
#include "nmt/metrics/text_lines.h"
#include "test_support.h"

namespace nmt::metrics::testing {
namespace {

constexpr double kTolerance = 1e-9;  // README: libm may differ in the last ulp

struct LoadedCase {
  std::vector<TextLines> files;
  std::vector<std::string_view> hyps;
  std::vector<std::vector<std::string_view>> refs;
};

LoadedCase load_case(const std::string& hyp, const std::vector<std::string>& refs) {
  LoadedCase c;
  const std::string dir = testdata_dir() + "/";
  c.files.push_back(read_text_lines(dir + hyp));
  c.hyps.assign(c.files.back().lines.begin(), c.files.back().lines.end());
  for (const auto& ref : refs) {
    c.files.push_back(read_text_lines(dir + ref));
    c.refs.emplace_back(c.files.back().lines.begin(), c.files.back().lines.end());
  }
  return c;
}

// The sentence-level view of a case: segment `line` only.
Evaluation evaluate_line(const CheckSpec& spec, const LoadedCase& c, std::size_t line) {
  std::vector<std::vector<std::string_view>> refs;
  for (const auto& stream : c.refs) refs.push_back({stream.at(line)});
  return evaluate(spec, {c.hyps.at(line)}, refs);
}

std::vector<double> numbers(const Json& array) {
  std::vector<double> out;
  for (const auto& v : array.as_array()) out.push_back(v.as_number());
  return out;
}

struct Tally {
  int cases = 0, corpus_checks = 0, sentence_checks = 0, tokenized_lines = 0, failures = 0;
};

// Compares one result object of the manifest with our evaluation.
void compare(const std::string& where, const std::string& metric, const Json& expected,
             const Evaluation& got, Tally& tally) {
  bool ok = true;
  const auto check = [&](bool condition, const std::string& what) {
    if (!condition) {
      ok = false;
      FAIL_CHECK(where << ": " << what);
    }
  };
  const double want = expected["score"].as_number();
  check(std::abs(got.score - want) <= kTolerance,
        "score " + std::to_string(got.score) + " != " + std::to_string(want));
  check(got.stats == numbers(expected["stats"]), "statistics differ");
  check(got.signature == expected["signature"].as_string(),
        "signature '" + got.signature + "' != '" + expected["signature"].as_string() + "'");
  check(got.text == expected["text"].as_string(),
        "text '" + got.text + "' != '" + expected["text"].as_string() + "'");
  if (metric == "bleu") {
    check(got.bleu.counts == numbers(expected["counts"]), "counts differ");
    check(got.bleu.totals == numbers(expected["totals"]), "totals differ");
    const auto precisions = numbers(expected["precisions"]);
    bool same = precisions.size() == got.bleu.precisions.size();
    for (std::size_t i = 0; same && i < precisions.size(); ++i)
      same = std::abs(precisions[i] - got.bleu.precisions[i]) <= kTolerance;
    check(same, "precisions differ");
    check(std::abs(got.bleu.bp - expected["bp"].as_number()) <= kTolerance, "BP differs");
    check(std::abs(got.bleu.ratio - expected["ratio"].as_number()) <= kTolerance, "ratio differs");
    check(got.bleu.sys_len == expected["sys_len"].as_int(), "sys_len differs");
    check(got.bleu.ref_len == expected["ref_len"].as_int(), "ref_len differs");
  } else if (metric == "ter") {
    check(got.ter.num_edits == expected["num_edits"].as_int(), "num_edits differs");
    check(got.ter.ref_length == expected["ref_length"].as_number(), "ref_length differs");
  }
  if (!ok) ++tally.failures;
}

TEST_CASE("sacreBLEU 2.6.0 test vectors: every case and check of cases.json") {
  const Json manifest = Json::parse(read_whole_file(testdata_dir() + "/cases.json"));
  REQUIRE(manifest["sacrebleu_version"].as_string() == std::string(kSacrebleuVersion));

  std::map<std::string, CheckSpec> specs;
  std::map<std::string, std::string> metric_of;
  for (const auto& [id, check] : manifest["checks"].as_object()) {
    specs[id] = parse_cli(check["cli"].as_string());
    metric_of[id] = check["metric"].as_string();
    CHECK(specs[id].metric == metric_of[id]);
  }

  Tally tally;
  for (const Json& c : manifest["cases"].as_array()) {
    const std::string id = c["id"].as_string();
    std::vector<std::string> ref_paths;
    for (const auto& r : c["refs"].as_array()) ref_paths.push_back(r.as_string());
    const LoadedCase loaded = load_case(c["hyp"].as_string(), ref_paths);
    ++tally.cases;
    CHECK_MESSAGE(static_cast<std::int64_t>(loaded.hyps.size()) == c["n_lines"].as_int(), id);

    for (const auto& [check_id, expected] : c["corpus"].as_object()) {
      compare(id + "/" + check_id, metric_of.at(check_id), expected,
              evaluate(specs.at(check_id), loaded.hyps, loaded.refs), tally);
      ++tally.corpus_checks;
    }

    for (const Json& sentence : c["sentence"].as_array()) {
      const auto line = static_cast<std::size_t>(sentence["line"].as_int());
      // The manifest's copy of the segment is what our reader made of the file.
      CHECK_MESSAGE(std::string(loaded.hyps.at(line)) == sentence["hyp"].as_string(), id << " line " << line);
      for (std::size_t k = 0; k < loaded.refs.size(); ++k)
        CHECK_MESSAGE(std::string(loaded.refs[k].at(line)) == sentence["refs"][k].as_string(),
                      id << " line " << line << " ref " << k);
      for (const auto& [check_id, expected] : sentence.as_object()) {
        if (check_id == "line" || check_id == "hyp" || check_id == "refs") continue;
        compare(id + "/" + check_id + "/line " + std::to_string(line), metric_of.at(check_id),
                expected, evaluate_line(specs.at(check_id), loaded, line), tally);
        ++tally.sentence_checks;
      }
    }

    if (c.contains("tokenized")) {
      for (const auto& [tok, sides] : c["tokenized"].as_object()) {
        BleuConfig config;
        config.tokenize = tok;
        const Bleu bleu(config);
        for (const auto& [side, lines] : sides.as_object()) {
          const auto& stream = side == "hyp" ? loaded.hyps : loaded.refs.at(std::stoul(side.substr(4)));
          REQUIRE(lines.as_array().size() == stream.size());
          for (std::size_t i = 0; i < stream.size(); ++i) {
            const std::string got = bleu.tokenized_text(stream[i]);
            if (got != lines[i].as_string()) {
              ++tally.failures;
              FAIL_CHECK(id << " " << tok << " " << side << " line " << i << ": '" << got
                                << "' != '" << lines[i].as_string() << "'");
            }
            ++tally.tokenized_lines;
          }
        }
      }
    }
  }

  MESSAGE("cases.json: " << tally.cases << " cases, " << tally.corpus_checks << " corpus checks, "
                         << tally.sentence_checks << " sentence checks, " << tally.tokenized_lines
                         << " tokenised lines; " << tally.failures << " failing");
  CHECK(tally.cases == 30);
  CHECK(tally.failures == 0);
}

TEST_CASE("sacreBLEU 2.6.0 test vectors: every row of expected.tsv") {
  const auto rows = split_on(read_whole_file(testdata_dir() + "/expected.tsv"), '\n');
  REQUIRE(rows.size() > 1);
  const auto header = split_on(rows[0], '\t');
  REQUIRE(header == std::vector<std::string>{"case", "check", "line", "hyp", "refs", "cli_args",
                                             "score", "stats", "signature"});
  std::map<std::string, LoadedCase> cases;
  int checked = 0, failures = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].empty()) continue;
    const auto f = split_on(rows[r], '\t');
    REQUIRE(f.size() == 9);
    const std::string key = f[3] + "|" + f[4];
    if (!cases.count(key)) cases.emplace(key, load_case(f[3], split_on(f[4], ',')));
    const LoadedCase& loaded = cases.at(key);
    const CheckSpec spec = parse_cli(f[5]);
    const Evaluation got = f[2] == "-" ? evaluate(spec, loaded.hyps, loaded.refs)
                                       : evaluate_line(spec, loaded, std::stoul(f[2]));
    std::vector<double> stats;
    for (const auto& s : split_on(f[7], ' ')) stats.push_back(std::stod(s));
    const bool ok = std::abs(got.score - std::stod(f[6])) <= kTolerance && got.stats == stats &&
                    got.signature == f[8];
    if (!ok) {
      ++failures;
      FAIL_CHECK(f[0] << "/" << f[1] << "/" << f[2] << ": got " << got.score << " ["
                          << got.signature << "], expected " << f[6] << " [" << f[8] << "]");
    }
    ++checked;
  }
  MESSAGE("expected.tsv: " << checked << " rows, " << failures << " failing");
  CHECK(checked == 1164);
  CHECK(failures == 0);
}

}  // namespace
}  // namespace nmt::metrics::testing
