// Reading `sentence<TAB>label` files: see labelled_sentences.h.
#include "nmt/classify/labelled_sentences.h"

#include <fstream>

#include "tokenizer/utf8.h"

namespace nmt::classify {

std::vector<LabelledSentence> read_labelled_sentences(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open the file");
  std::vector<LabelledSentence> out;
  const text::Utf8Checker utf8;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const text::TextLocation where{path, number};
    const std::size_t tab = line.rfind('\t');
    if (tab == std::string::npos)
      throw DataError(where.to_string() + ": no tab: expected `sentence<TAB>label`");
    std::string label = line.substr(tab + 1);
    while (!label.empty() && label.back() == ' ') label.pop_back();
    if (label != "0" && label != "1")
      throw DataError(where.to_string() + ": label '" + label + "' is not 0 or 1");
    LabelledSentence s{line.substr(0, tab), label == "1" ? 1 : 0};
    utf8.check(s.text, where);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<LabelledSentence> read_labelled_sentences(const std::vector<std::string>& paths) {
  std::vector<LabelledSentence> all;
  for (const std::string& path : paths) {
    std::vector<LabelledSentence> part = read_labelled_sentences(path);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

}  // namespace nmt::classify
