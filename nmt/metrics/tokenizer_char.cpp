// The char tokeniser: sacreBLEU 2.6.0 tokenizers/tokenizer_char.py (TokenizerChar),
// " ".join(char for char in line): every code point becomes a token once BLEU splits on
// whitespace (whitespace characters themselves disappear in that split).
#include "nmt/metrics/tokenizers.h"

namespace nmt::metrics {

void TokenizerChar::tokenize(std::string_view line, std::string& out) const {
  out.clear();
  out.reserve(line.size() * 2);
  for (std::size_t pos = 0; pos < line.size();) {
    const auto lead = static_cast<unsigned char>(line[pos]);
    const std::size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (pos > 0) out.push_back(' ');
    out.append(line.substr(pos, len));
    pos += len;
  }
}

}  // namespace nmt::metrics
