// Translator: raw lines in, translations out; the library behind nmt-translate. Each line goes
// through the model's own tokenizer (UTF-8 check, normalisation, subwords: exactly as in
// training), is cut to the model's length limit if it is longer (with a warning naming the line),
// and is searched together with the others; empty lines give empty translations without touching
// the model. Lines are sorted by length and searched batch_size at a time, so that sentences that
// share a batch need similar numbers of steps; results come back in input order and do not depend
// on the batching (search.h). Every text that comes out (translations, n-best entries, subword
// labels) has passed tokenizer/printable_line.h: one line, valid XML, whatever the model emitted.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/models/encoder_decoder.h"
#include "nmt/search/search.h"
#include "tokenizer/tokenizer.h"

namespace nmt {

struct TranslatorOptions {
  SearchOptions search;
  int batch_size = 32;        // sentences per search call
  int max_source_length = 0;  // subwords (EOS excluded); 0 = the model's max_positions - 1
};

struct Translation {
  std::string text;              // detokenised best hypothesis (printable_line); "" for an empty line
  std::vector<int32_t> source;   // the source's subword ids as searched (after any cut), no EOS
  SentenceResult result;         // no hypotheses for an empty line
  bool source_truncated = false;
  bool empty() const { return result.hypotheses.empty(); }
};

class Translator {
 public:
  // Throws std::invalid_argument naming a bad setting.
  Translator(EncoderDecoder& model, text::Tokenizer tokenizer, TranslatorOptions options);

  // lines[i] is line first_line + i (1-based) of `input_name`, for warnings.
  std::vector<Translation> translate(std::span<const std::string> lines, std::string_view input_name,
                                     std::size_t first_line);

  // Detokenised text, through printable_line (no control characters, one line).
  std::string detokenize(std::span<const int32_t> ids) const;
  // Subword strings through printable_line, with "</s>" appended for EOS when asked (labels for
  // alignments, heatmaps).
  std::vector<std::string> pieces(std::span<const int32_t> ids, bool with_eos) const;

  const TranslatorOptions& options() const { return options_; }
  int max_source_length() const { return max_source_length_; }

 private:
  EncoderDecoder& model_;
  text::Tokenizer tokenizer_;
  TranslatorOptions options_;
  int max_source_length_;
};

}  // namespace nmt
