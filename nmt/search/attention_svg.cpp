// Attention heatmaps as SVG (see attention_svg.h).
#include "nmt/search/attention_svg.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "tokenizer/printable_line.h"

namespace nmt {
namespace {

constexpr int kCell = 26;        // pixels per cell
constexpr double kCharWidth = 7.5;  // rough width of one character at font-size 12

// Code points, not bytes: labels are UTF-8 subwords.
int display_length(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// White (weight 0) to dark blue (weight 1).
std::string shade(float weight) {
  const double w = std::clamp(static_cast<double>(weight), 0.0, 1.0);
  auto mix = [&](int from, int to) { return static_cast<int>(from + (to - from) * w + 0.5); };
  char colour[16];
  std::snprintf(colour, sizeof colour, "#%02x%02x%02x", mix(255, 8), mix(255, 48), mix(255, 107));
  return colour;
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text::printable_line(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

void write_attention_svg(std::ostream& out, const Hypothesis& h, const std::vector<std::string>& source_labels,
                         const std::vector<std::string>& target_labels, const std::string& title) {
  const int S = h.source_length;
  const int T = static_cast<int>(h.tokens.size()) + 1;
  if (static_cast<int>(source_labels.size()) != S || static_cast<int>(target_labels.size()) != T ||
      h.attention.size() != static_cast<std::size_t>(S) * T)
    throw std::invalid_argument("write_attention_svg: " + std::to_string(source_labels.size()) + " source and " +
                                std::to_string(target_labels.size()) + " target labels for a " +
                                std::to_string(T) + " x " + std::to_string(S) + " attention matrix");
  int longest_source = 1, longest_target = 1;
  for (const auto& l : source_labels) longest_source = std::max(longest_source, display_length(l));
  for (const auto& l : target_labels) longest_target = std::max(longest_target, display_length(l));
  const int left = 16 + static_cast<int>(longest_target * kCharWidth);
  const int top = 50 + static_cast<int>(longest_source * kCharWidth * 0.75);
  const std::string subtitle = std::string("source across, output down; shade = attention weight") +
                               (h.positions.empty() ? "" : "; orange dots = predicted position p_t");
  const int legend_x = left + S * kCell + 24;
  const int legend_height = std::max(3 * kCell, std::min(T * kCell, 200));
  // Slanted source labels reach up and to the right of their column.
  const int width = std::max({legend_x + 60, left + S * kCell + static_cast<int>(longest_source * kCharWidth * 0.75) + 10,
                              16 + static_cast<int>(display_length(title) * kCharWidth * 1.2),
                              16 + static_cast<int>(display_length(subtitle) * kCharWidth)});
  const int height = top + std::max(T * kCell, legend_height) + 20;

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<title>" << xml_escape(title) << "</title>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">" << xml_escape(title) << "</text>\n"
      << "<text x=\"8\" y=\"34\" fill=\"#555\">" << subtitle << "</text>\n";
  // Source labels across the top, slanted; output labels down the left.
  for (int s = 0; s < S; ++s) {
    const int x = left + s * kCell + kCell / 2, y = top - 6;
    out << "<text x=\"" << x << "\" y=\"" << y << "\" transform=\"rotate(-45 " << x << ' ' << y << ")\">"
        << xml_escape(source_labels[s]) << "</text>\n";
  }
  for (int t = 0; t < T; ++t)
    out << "<text x=\"" << left - 6 << "\" y=\"" << top + t * kCell + kCell / 2 + 4 << "\" text-anchor=\"end\">"
        << xml_escape(target_labels[t]) << "</text>\n";
  // The cells, each with its weight as a tooltip.
  char weight[32];
  for (int t = 0; t < T; ++t)
    for (int s = 0; s < S; ++s) {
      const float w = h.attention_at(t, s);
      std::snprintf(weight, sizeof weight, "%.3f", static_cast<double>(w));
      out << "<rect x=\"" << left + s * kCell << "\" y=\"" << top + t * kCell << "\" width=\"" << kCell
          << "\" height=\"" << kCell << "\" fill=\"" << shade(w) << "\" stroke=\"#ddd\" stroke-width=\"0.5\"><title>"
          << xml_escape(source_labels[s]) << " \u2192 " << xml_escape(target_labels[t]) << ": " << weight
          << "</title></rect>\n";
    }
  out << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << S * kCell << "\" height=\"" << T * kCell
      << "\" fill=\"none\" stroke=\"#888\"/>\n";
  // Where the model centred each row's attention (local-p's p_t; cell s spans [s, s + 1) around
  // s + 0.5 in the Gaussian's coordinates): orange dots joined by a line.
  if (h.positions.size() == static_cast<std::size_t>(T)) {
    auto x_of = [&](float p) { return left + (static_cast<double>(p) + 0.5) * kCell; };
    out << "<polyline fill=\"none\" stroke=\"#e6550d\" stroke-width=\"1.5\" points=\"";
    for (int t = 0; t < T; ++t) out << (t ? " " : "") << x_of(h.positions[t]) << ',' << top + t * kCell + kCell / 2;
    out << "\"/>\n";
    for (int t = 0; t < T; ++t) {
      std::snprintf(weight, sizeof weight, "%.2f", static_cast<double>(h.positions[t]));
      out << "<circle cx=\"" << x_of(h.positions[t]) << "\" cy=\"" << top + t * kCell + kCell / 2
          << "\" r=\"4\" fill=\"#e6550d\"><title>" << xml_escape(target_labels[t]) << ": p_t = " << weight
          << "</title></circle>\n";
    }
  }
  // The colour scale: 1 at the top, 0 at the bottom.
  out << "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
      << "<stop offset=\"0\" stop-color=\"" << shade(0) << "\"/><stop offset=\"1\" stop-color=\"" << shade(1)
      << "\"/></linearGradient></defs>\n"
      << "<rect x=\"" << legend_x << "\" y=\"" << top << "\" width=\"14\" height=\"" << legend_height
      << "\" fill=\"url(#scale)\" stroke=\"#888\"/>\n";
  const char* ticks[] = {"1.0", "0.5", "0.0"};
  for (int i = 0; i < 3; ++i)
    out << "<text x=\"" << legend_x + 20 << "\" y=\"" << top + i * legend_height / 2 + 4 << "\">" << ticks[i]
        << "</text>\n";
  out << "</svg>\n";
}

}  // namespace nmt
