// Sentences to fixed-length id sequences, as the article prepares them, with a subword option.
//
// words (the article's, Keras's Tokenizer with its defaults): lowercase (ASCII letters), every
//   character of !"#$%&()*+,-./:;<=>?@[\]^_`{|}~ and tab/newline replaced by a space, split on
//   spaces. The vocabulary is every word of the training sentences, indexed 1, 2, ... by
//   decreasing frequency (ties: first seen first); id 0 is padding. A word not in the vocabulary is
//   dropped, as Keras's texts_to_sequences does without an oov_token.
// sentencepiece: a SentencePiece unigram model (Kudo & Richardson 2018; tokenizer/subword_model.h)
//   trained on the lowercased training sentences; its id 0 is <pad> (tokenizer/special_ids.h), so
//   padding is 0 here too, and nothing is out of vocabulary.
// Then every sequence is post-padded with 0 or post-truncated (the first max_length ids kept) to
// max_length: Keras's pad_sequences(..., padding="post", truncating="post").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/subword_model.h"

namespace nmt::classify {

enum class Segmentation { words, sentencepiece };
Segmentation parse_segmentation(const std::string& name);  // "words" | "sentencepiece"
const char* to_string(Segmentation s);

// The article's word tokenizer: lowercased, punctuation stripped, split on spaces.
std::vector<std::string> split_words(const std::string& sentence);

class SentenceEncoder {
 public:
  // Builds the vocabulary from the training sentences. `subword_vocab_size` only for sentencepiece.
  static SentenceEncoder fit(Segmentation kind, const std::vector<std::string>& sentences, int subword_vocab_size,
                             unsigned seed = 1);
  // What a model file stores (kind + word list or SentencePiece bytes), and back.
  std::string to_bytes() const;
  static SentenceEncoder from_bytes(const std::string& bytes);

  // Ids of one sentence, unpadded (may be empty: no known word).
  std::vector<int32_t> encode(const std::string& sentence) const;
  // The surface form of each id of encode(sentence), for pictures.
  std::vector<std::string> pieces(const std::string& sentence) const;
  // Ids padded/truncated to max_length (post), 0 = padding.
  std::vector<int32_t> encode_padded(const std::string& sentence, int max_length) const;

  // Embedding rows needed: the largest id + 1 (the article's "vocabulary + 1").
  int64_t table_size() const;
  Segmentation kind() const { return kind_; }

 private:
  Segmentation kind_ = Segmentation::words;
  std::vector<std::string> words_;  // words_[id - 1]
  std::unordered_map<std::string, int32_t> ids_;
  std::shared_ptr<const text::SubwordModel> subwords_;
};

}  // namespace nmt::classify
