// Sentence-level labelled text: the UCI "Sentiment Labelled Sentences" files (Kotzias et al.,
// KDD 2015, "From Group to Individual Labels using Deep Features").
//
// Format: one `sentence<TAB>label` per line, label 0 (negative) or 1 (positive); CRLF or LF line
// endings, the last line may lack one. A line is split on its last tab (sentences may hold
// quotes, even tabs). Every line passes the UTF-8 check first (tokenizer/utf8.h): ill-formed bytes
// become U+FFFD with a warning naming file:line. An empty line is skipped; a line without a tab or
// with another label is an error naming file:line.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace nmt::classify {

struct LabelledSentence {
  std::string text;
  int label = 0;  // 0 or 1
};

class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads one file; throws DataError("file:line: ...") on a malformed line or an unreadable file.
std::vector<LabelledSentence> read_labelled_sentences(const std::string& path);

// The files one after the other, in the order given (the article's "amazon + yelp").
std::vector<LabelledSentence> read_labelled_sentences(const std::vector<std::string>& paths);

}  // namespace nmt::classify
