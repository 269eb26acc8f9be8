// Fuzz target: nmt-bleu's input reader (split_text_lines: sacreBLEU's line rules, strict UTF-8)
// and what the lines meet next: BLEU's tokenisers, chrF and TER on the lines against themselves
// shifted by one.
//
// Input: byte 0 picks the options (bit 0: universal newlines as for standard input; bits 1-3: the
// BLEU tokeniser; bit 4: lowercase; bit 5: TER normalised + asian support); the rest is the file.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/metrics/errors.h"
#include "nmt/metrics/ter.h"
#include "nmt/metrics/text_lines.h"
#include "nmt/metrics/tokenizers.h"
#include "nmt/metrics/unicode_text.h"

using namespace nmt::metrics;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t options = data[0];
  const bool universal_newlines = options & 1;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  TextLines lines;
  try {
    lines = split_text_lines(text, "hyp.txt", universal_newlines);
  } catch (const MetricsError&) {
    NMT_FUZZ_CHECK(find_invalid_utf8(text).has_value());  // only invalid UTF-8 is refused
    return 0;
  }
  // sacreBLEU's rules: a line per "\n" (one more for an unterminated last line), none holds a
  // line break, each is right-stripped.
  std::size_t breaks = 0;
  for (char c : text) breaks += c == '\n' || (universal_newlines && c == '\r');
  if (!universal_newlines) NMT_FUZZ_CHECK(lines.size() == breaks + (!text.empty() && text.back() != '\n'));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    NMT_FUZZ_CHECK(lines[i].find('\n') == std::string_view::npos);
    NMT_FUZZ_CHECK(python_rstrip(lines[i]) == lines[i]);
  }

  std::vector<std::string_view> hypotheses(lines.lines.begin(), lines.lines.end());
  std::vector<std::string_view> shifted = hypotheses;
  if (!shifted.empty()) shifted.insert(shifted.begin(), shifted.back()), shifted.pop_back();
  const std::vector<std::vector<std::string_view>> references = {shifted};

  BleuConfig bleu_config;
  const std::vector<std::string>& names = tokenizer_names();
  bleu_config.tokenize = names[((options >> 1) & 7) % names.size()];
  bleu_config.lowercase = options & 16;
  Bleu bleu(bleu_config);
  const BleuScore bleu_score = bleu.corpus_score(hypotheses, references);
  NMT_FUZZ_CHECK(std::isfinite(bleu_score.score) && bleu_score.score >= 0 && bleu_score.score <= 100.0000001);
  Bleu self(bleu_config);
  const BleuScore self_score = self.corpus_score(hypotheses, {hypotheses});
  NMT_FUZZ_CHECK(self_score.sys_len == self_score.ref_len);

  Chrf chrf(ChrfConfig{.word_order = 2, .lowercase = bool(options & 16)});
  const double chrf_score = chrf.compute_f_score(chrf.corpus_statistics(hypotheses, references));
  NMT_FUZZ_CHECK(std::isfinite(chrf_score) && chrf_score >= 0 && chrf_score <= 100.0000001);

  Ter ter(TerConfig{.normalized = bool(options & 32), .asian_support = bool(options & 32)});
  const TerStats ter_self = ter.corpus_statistics(hypotheses, {hypotheses});
  NMT_FUZZ_CHECK(ter_self.num_edits == 0);
  const double ter_score = Ter::compute(ter.corpus_statistics(hypotheses, references));
  NMT_FUZZ_CHECK(std::isfinite(ter_score) && ter_score >= 0);
  return 0;
}
