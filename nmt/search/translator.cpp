// Translating lines of raw text (see translator.h).
#include "nmt/search/translator.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>

#include "tokenizer/printable_line.h"

namespace nmt {

Translator::Translator(EncoderDecoder& model, text::Tokenizer tokenizer, TranslatorOptions options)
    : model_(model), tokenizer_(std::move(tokenizer)), options_(std::move(options)) {
  options_.search.validate();
  if (options_.batch_size < 1)
    throw std::invalid_argument("batch size must be at least 1 (got " + std::to_string(options_.batch_size) + ")");
  if (options_.batch_tokens < 0)
    throw std::invalid_argument("batch tokens must not be negative (got " + std::to_string(options_.batch_tokens) + ")");
  const int model_limit = std::max(1, model.config().max_positions - 1);
  if (options_.max_source_length < 0) throw std::invalid_argument("max source length must not be negative");
  max_source_length_ = options_.max_source_length == 0 ? model_limit : std::min(options_.max_source_length, model_limit);
}

std::vector<std::pair<std::size_t, std::size_t>> Translator::plan_batches(std::span<const std::size_t> lengths) const {
  const std::size_t max_sentences = static_cast<std::size_t>(options_.batch_size);
  const std::size_t budget = options_.batch_tokens > 0 ? static_cast<std::size_t>(options_.batch_tokens) : SIZE_MAX;
  std::vector<std::pair<std::size_t, std::size_t>> batches;
  std::size_t begin = 0;
  while (begin < lengths.size()) {
    // Lengths ascend, so the sentence added last sets the padded width (its subwords + EOS).
    std::size_t end = begin + 1;
    while (end < lengths.size() && end - begin < max_sentences && (end - begin + 1) * (lengths[end] + 1) <= budget)
      ++end;
    batches.emplace_back(begin, end);
    begin = end;
  }
  return batches;
}

std::vector<Translation> Translator::translate(std::span<const std::string> lines, std::string_view input_name,
                                               std::size_t first_line, std::span<const std::size_t> full_bytes) {
  std::vector<Translation> out(lines.size());
  std::vector<int> pending;  // lines with something to translate
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const text::TextLocation where{input_name, first_line + i};
    std::vector<int32_t> ids = tokenizer_.encode(lines[i], where);
    const bool cut_by_reader = i < full_bytes.size() && full_bytes[i] > lines[i].size();
    if (static_cast<int>(ids.size()) > max_source_length_ || cut_by_reader) {
      const std::string limit = std::to_string(max_source_length_);
      if (cut_by_reader)  // the subwords of the whole line were never counted
        tokenizer_.utf8().warn(where.to_string() + ": warning: " + std::to_string(full_bytes[i]) +
                               " bytes, more than the model's limit of " + limit +
                               " subwords can hold; only the first " + std::to_string(lines[i].size()) +
                               " bytes were read and the first " +
                               std::to_string(std::min<std::size_t>(ids.size(), max_source_length_)) +
                               " subwords are translated");
      else
        tokenizer_.utf8().warn(where.to_string() + ": warning: " + std::to_string(ids.size()) +
                               " subwords, more than the model's limit of " + limit + "; only the first " + limit +
                               " are translated");
      if (static_cast<int>(ids.size()) > max_source_length_) ids.resize(max_source_length_);
      out[i].source_truncated = true;
    }
    out[i].source = std::move(ids);
    if (!out[i].source.empty()) pending.push_back(static_cast<int>(i));
  }
  // Shortest first (stable): sentences that share a batch finish at about the same step.
  std::stable_sort(pending.begin(), pending.end(),
                   [&](int a, int b) { return out[a].source.size() < out[b].source.size(); });
  std::vector<std::size_t> lengths;
  for (int i : pending) lengths.push_back(out[i].source.size());
  std::vector<std::vector<int32_t>> sources;
  for (const auto& [begin, end] : plan_batches(lengths)) {
    sources.clear();
    for (std::size_t j = begin; j < end; ++j) sources.push_back(out[pending[j]].source);
    std::vector<SentenceResult> results = search(model_, sources, options_.search);
    for (std::size_t j = begin; j < end; ++j) {
      Translation& t = out[pending[j]];
      t.result = std::move(results[j - begin]);
      t.text = detokenize(t.result.best().tokens);
    }
  }
  return out;
}

std::string Translator::detokenize(std::span<const int32_t> ids) const {
  return text::printable_line(tokenizer_.decode(ids));
}

std::vector<std::string> Translator::pieces(std::span<const int32_t> ids, bool with_eos) const {
  std::vector<std::string> labels;
  labels.reserve(ids.size() + 1);
  for (int32_t id : ids) labels.push_back(text::printable_line(tokenizer_.model().piece(id)));
  if (with_eos) labels.push_back("</s>");
  return labels;
}

}  // namespace nmt
