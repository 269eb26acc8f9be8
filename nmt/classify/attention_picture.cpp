// Sentences shaded by attention: see attention_picture.h.
#include "nmt/classify/attention_picture.h"

#include <algorithm>
#include <cstdio>

#include "nmt/search/attention_svg.h"

namespace nmt::classify {

void write_attention_words_svg(std::ostream& out, const std::vector<AttendedSentence>& sentences,
                               const std::string& title) {
  constexpr int kRow = 44, kLeft = 150, kChar = 8, kPad = 10;
  int width = 600;
  for (const AttendedSentence& s : sentences) {
    int x = kLeft;
    for (const std::string& p : s.pieces) x += static_cast<int>(p.size()) * kChar + kPad;
    width = std::max(width, x + 170);
  }
  const int height = 40 + kRow * static_cast<int>(sentences.size()) + 10;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"monospace\" font-size=\"13\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"20\" font-weight=\"bold\">" << xml_escape(title) << "</text>\n";
  int y = 40;
  for (const AttendedSentence& s : sentences) {
    float top = 0, words = 0;
    for (std::size_t i = 0; i < s.pieces.size() && i < s.weights.size(); ++i) {
      top = std::max(top, s.weights[i]);
      words += s.weights[i];
    }
    char head[96];
    std::snprintf(head, sizeof head, "%s p=%.2f%s", s.probability >= 0.5f ? "pos" : "neg", s.probability,
                  s.gold < 0 ? "" : (s.gold == (s.probability >= 0.5f) ? " ok" : " WRONG"));
    out << "<text x=\"10\" y=\"" << y + 17 << "\">" << head << "</text>\n";
    int x = kLeft;
    for (std::size_t i = 0; i < s.pieces.size(); ++i) {
      const float w = i < s.weights.size() ? s.weights[i] : 0.f;
      const float shade = top > 0 ? w / top : 0.f;
      const int cell = static_cast<int>(s.pieces[i].size()) * kChar + kPad;
      char colour[32], label[32];
      std::snprintf(colour, sizeof colour, "rgb(%d,%d,%d)", int(255 - 225 * shade), int(255 - 180 * shade),
                    int(255 - 80 * shade));
      std::snprintf(label, sizeof label, "%.3f", w);
      out << "<g><title>" << xml_escape(s.pieces[i]) << ": " << label << "</title><rect x=\"" << x << "\" y=\"" << y
          << "\" width=\"" << cell - 2 << "\" height=\"24\" fill=\"" << colour << "\"/><text x=\"" << x + kPad / 2
          << "\" y=\"" << y + 17 << "\" fill=\"" << (shade > 0.6f ? "white" : "black") << "\">"
          << xml_escape(s.pieces[i]) << "</text><text x=\"" << x + kPad / 2 << "\" y=\"" << y + 35
          << "\" font-size=\"9\" fill=\"#555\">" << label << "</text></g>\n";
      x += cell;
    }
    if (s.weights.size() > s.pieces.size()) {
      char rest[64];
      std::snprintf(rest, sizeof rest, "padding: %.0f %% of the weight", 100 * (1 - words));
      out << "<text x=\"" << x + 10 << "\" y=\"" << y + 17 << "\" fill=\"#a33\">" << rest << "</text>\n";
    }
    y += kRow;
  }
  out << "</svg>\n";
}

}  // namespace nmt::classify
