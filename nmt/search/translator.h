// Translator: raw lines in, translations out; the library behind nmt-translate. Each line goes
// through the model's own tokenizer (UTF-8 check, normalisation, subwords: exactly as in
// training), is cut to the model's length limit if it is longer (with a warning naming the line),
// and is searched together with the others; empty lines give empty translations without touching
// the model. Lines are sorted by length and searched in batches of at most batch_size sentences
// and at most batch_tokens padded source subwords (sentences x the longest, EOS included; the
// search holds beam x that), so that sentences that share a batch need similar numbers of steps and
// memory is bounded by the budget whatever the input (a sentence longer than the budget is searched
// alone). Results come back in input order and do not depend on the batching (search.h). Every
// text that comes out (translations, n-best entries, subword labels) has passed
// tokenizer/printable_line.h: one line, valid XML, whatever the model emitted.
//
// A line longer than max_line_bytes() can never be translated past that point (it holds more
// subwords than the model takes), so a reader may cut it there before it reaches the translator,
// without keeping the rest (line_reader.h); translate() is then told its full length for the warning.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nmt/models/encoder_decoder.h"
#include "nmt/search/search.h"
#include "tokenizer/tokenizer.h"

namespace nmt {

struct TranslatorOptions {
  SearchOptions search;
  int batch_size = 32;        // sentences per search call, at most
  // Padded source subwords per search call, at most: sentences x (longest + EOS). 0 = no limit.
  // The default keeps batches of 32 sentences of up to 63 subwords whole, and holds a batch of
  // over-long lines to 2 sentences of 1,023 subwords (a max_positions of 1,024).
  int batch_tokens = 2048;
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

  // lines[i] is line first_line + i (1-based) of `input_name`, for warnings. full_bytes, when not
  // empty, holds each line's length before a reader cut it to max_line_bytes() (line_reader.h).
  std::vector<Translation> translate(std::span<const std::string> lines, std::string_view input_name,
                                     std::size_t first_line, std::span<const std::size_t> full_bytes = {});

  // The batches translate() searches: `lengths` are source subwords (EOS not counted), sorted
  // ascending; each batch is a range [begin, end) of them, in order.
  std::vector<std::pair<std::size_t, std::size_t>> plan_batches(std::span<const std::size_t> lengths) const;

  // Raw bytes beyond which a line cannot add a subword the model reads: a SentencePiece piece is
  // at most 16 characters (its max_sentencepiece_length) of at most 4 bytes, so max_source_length()
  // pieces come from at most 64 bytes each. (Only text that normalisation removes or shrinks, such
  // as long runs of spaces, can put a subwords' worth of text beyond this bound; it is cut all the same.)
  std::size_t max_line_bytes() const { return static_cast<std::size_t>(max_source_length_) * kMaxBytesPerPiece; }
  static constexpr std::size_t kMaxBytesPerPiece = 16 * 4;

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
