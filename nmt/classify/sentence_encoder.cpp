// Sentences to id sequences: see sentence_encoder.h.
#include "nmt/classify/sentence_encoder.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include "tokenizer/normalizer.h"

namespace nmt::classify {
namespace {

constexpr const char* kKerasFilters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

std::string lowercase(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

Segmentation parse_segmentation(const std::string& name) {
  if (name == "words") return Segmentation::words;
  if (name == "sentencepiece") return Segmentation::sentencepiece;
  throw std::invalid_argument("segmentation: unknown '" + name + "' (words or sentencepiece)");
}

const char* to_string(Segmentation s) { return s == Segmentation::words ? "words" : "sentencepiece"; }

std::vector<std::string> split_words(const std::string& sentence) {
  std::string text = lowercase(sentence);
  for (char& c : text)
    if (c != '\0' && std::strchr(kKerasFilters, c)) c = ' ';
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\r') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

SentenceEncoder SentenceEncoder::fit(Segmentation kind, const std::vector<std::string>& sentences,
                                     int subword_vocab_size, unsigned seed) {
  SentenceEncoder e;
  e.kind_ = kind;
  if (kind == Segmentation::words) {
    std::map<std::string, std::pair<int64_t, int64_t>> counts;  // word -> (count, first seen)
    int64_t order = 0;
    for (const std::string& s : sentences)
      for (const std::string& w : split_words(s)) {
        auto [it, fresh] = counts.try_emplace(w, 0, order);
        if (fresh) ++order;
        it->second.first++;
      }
    std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second.first != b.second.first ? a.second.first > b.second.first : a.second.second < b.second.second;
    });
    for (const auto& [word, stats] : sorted) {
      e.words_.push_back(word);
      e.ids_[word] = static_cast<int32_t>(e.words_.size());
    }
  } else {
    std::vector<std::string> lower;
    for (const std::string& s : sentences) lower.push_back(lowercase(s));
    text::SubwordTrainingOptions options;
    options.vocab_size = subword_vocab_size;
    options.threads = 1;
    options.seed = seed;
    e.subwords_ = std::make_shared<const text::SubwordModel>(
        text::SubwordModel::train_on_lines(lower, options, text::Normalizer()));
  }
  return e;
}

std::string SentenceEncoder::to_bytes() const {
  if (kind_ == Segmentation::sentencepiece) return "sentencepiece\n" + subwords_->to_bytes();
  std::string out = "words\n";
  for (const std::string& w : words_) out += w + "\n";
  return out;
}

SentenceEncoder SentenceEncoder::from_bytes(const std::string& bytes) {
  SentenceEncoder e;
  const std::size_t eol = bytes.find('\n');
  if (eol == std::string::npos) throw std::invalid_argument("sentence encoder: no kind line");
  e.kind_ = parse_segmentation(bytes.substr(0, eol));
  if (e.kind_ == Segmentation::sentencepiece) {
    e.subwords_ = std::make_shared<const text::SubwordModel>(text::SubwordModel::from_bytes(bytes.substr(eol + 1)));
    return e;
  }
  std::size_t i = eol + 1;
  while (i < bytes.size()) {
    std::size_t j = bytes.find('\n', i);
    if (j == std::string::npos) j = bytes.size();
    e.words_.push_back(bytes.substr(i, j - i));
    e.ids_[e.words_.back()] = static_cast<int32_t>(e.words_.size());
    i = j + 1;
  }
  return e;
}

std::vector<int32_t> SentenceEncoder::encode(const std::string& sentence) const {
  std::vector<int32_t> ids;
  if (kind_ == Segmentation::sentencepiece) {
    static const text::Normalizer normalizer;
    return subwords_->encode(normalizer.normalize(lowercase(sentence)));
  }
  for (const std::string& w : split_words(sentence)) {
    auto it = ids_.find(w);
    if (it != ids_.end()) ids.push_back(it->second);
  }
  return ids;
}

std::vector<std::string> SentenceEncoder::pieces(const std::string& sentence) const {
  std::vector<std::string> out;
  if (kind_ == Segmentation::sentencepiece) {
    for (int32_t id : encode(sentence)) out.push_back(subwords_->piece(id));
    return out;
  }
  for (const std::string& w : split_words(sentence))
    if (ids_.count(w)) out.push_back(w);
  return out;
}

std::vector<int32_t> SentenceEncoder::encode_padded(const std::string& sentence, int max_length) const {
  std::vector<int32_t> ids = encode(sentence);
  ids.resize(static_cast<std::size_t>(max_length), 0);
  return ids;
}

int64_t SentenceEncoder::table_size() const {
  return kind_ == Segmentation::sentencepiece ? subwords_->vocab_size() : static_cast<int64_t>(words_.size()) + 1;
}

}  // namespace nmt::classify
