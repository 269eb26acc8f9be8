#include "nmt/train/training_curves.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tokenizer/printable_line.h"

namespace nmt::train {
namespace {

// The number after `"key": ` in one flat JSON line of the trainer's log, if present.
bool number_field(const std::string& line, const std::string& key, double* value) {
  const std::string pattern = "\"" + key + "\": ";
  const std::size_t at = line.find(pattern);
  if (at == std::string::npos) return false;
  const char* begin = line.c_str() + at + pattern.size();
  char* end = nullptr;
  *value = std::strtod(begin, &end);
  return end != begin;
}

// Text for XML character data: control characters replaced as in every output
// (tokenizer/printable_line.h; XML forbids most of them), then the markup characters.
std::string escape(const std::string& text) {
  std::string out;
  for (char c : text::printable_line(text)) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

std::string format(double v) {
  char buffer[32];
  if (std::abs(v) >= 1000 || v == std::floor(v)) std::snprintf(buffer, sizeof buffer, "%.0f", v);
  else std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

// A "nice" step for about `ticks` ticks over [0, span]: 1, 2 or 5 times a power of ten.
double tick_step(double span, int ticks) {
  const double raw = span / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

// One panel: axes, ticks, a polyline per run.
void panel(std::ostringstream& svg, double left, double top, double width, double height, const std::string& title,
           const std::string& x_label, const std::vector<const std::vector<CurvePoint>*>& series, CurveAxis axis) {
  double x_max = 0, y_min = 1e300, y_max = -1e300;
  for (const auto* points : series)
    for (const CurvePoint& p : *points) {
      x_max = std::max(x_max, axis == CurveAxis::updates ? p.update : p.minutes);
      y_min = std::min(y_min, p.value);
      y_max = std::max(y_max, p.value);
    }
  svg << "<text x='" << left + width / 2 << "' y='" << top - 12 << "' text-anchor='middle' font-size='15'>"
      << escape(title) << "</text>\n";
  svg << "<rect x='" << left << "' y='" << top << "' width='" << width << "' height='" << height
      << "' fill='none' stroke='#444'/>\n";
  if (y_min > y_max) {
    svg << "<text x='" << left + width / 2 << "' y='" << top + height / 2
        << "' text-anchor='middle' fill='#888'>no data</text>\n";
    return;
  }
  if (x_max <= 0) x_max = 1;
  if (y_max - y_min < 1e-9) { y_max += 0.5; y_min -= 0.5; }
  const double pad = 0.05 * (y_max - y_min);
  y_min -= pad;
  y_max += pad;
  auto X = [&](double x) { return left + width * x / x_max; };
  auto Y = [&](double y) { return top + height * (1 - (y - y_min) / (y_max - y_min)); };
  const double xs = tick_step(x_max, 6), ys = tick_step(y_max - y_min, 5);
  for (double x = 0; x <= x_max + 1e-9; x += xs)
    svg << "<line x1='" << X(x) << "' y1='" << top + height << "' x2='" << X(x) << "' y2='" << top
        << "' stroke='#eee'/><text x='" << X(x) << "' y='" << top + height + 16
        << "' text-anchor='middle' font-size='11'>" << format(x) << "</text>\n";
  for (double y = std::ceil(y_min / ys) * ys; y <= y_max; y += ys)
    svg << "<line x1='" << left << "' y1='" << Y(y) << "' x2='" << left + width << "' y2='" << Y(y)
        << "' stroke='#eee'/><text x='" << left - 6 << "' y='" << Y(y) + 4
        << "' text-anchor='end' font-size='11'>" << format(y) << "</text>\n";
  svg << "<text x='" << left + width / 2 << "' y='" << top + height + 34 << "' text-anchor='middle' font-size='12'>"
      << x_label << "</text>\n";
  for (std::size_t r = 0; r < series.size(); ++r) {
    if (series[r]->empty()) continue;
    svg << "<polyline fill='none' stroke-width='1.6' stroke='" << kColours[r % 10] << "' points='";
    for (const CurvePoint& p : *series[r]) svg << X(axis == CurveAxis::updates ? p.update : p.minutes) << ',' << Y(p.value) << ' ';
    svg << "'/>\n";
  }
}

}  // namespace

TrainingCurve read_training_log(const std::string& path, const std::string& label) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the training log");
  TrainingCurve curve;
  curve.label = label;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    if (line.front() != '{' || line.find("\"event\": \"") == std::string::npos)
      throw std::runtime_error(path + ":" + std::to_string(number) + ": not a line of nmt-train's log");
    const bool train = line.find("\"event\": \"train\"") != std::string::npos;
    const bool valid = line.find("\"event\": \"valid\"") != std::string::npos;
    if (!train && !valid) continue;
    CurvePoint point;
    double elapsed = 0;
    if (!number_field(line, "update", &point.update) || !number_field(line, "elapsed_s", &elapsed))
      throw std::runtime_error(path + ":" + std::to_string(number) + ": an event without update or elapsed_s");
    point.minutes = elapsed / 60;
    if (train && number_field(line, "loss", &point.value)) curve.train_loss.push_back(point);
    if (valid) {
      CurvePoint bleu = point;
      if (number_field(line, "bleu", &bleu.value)) curve.valid_bleu.push_back(bleu);
      if (number_field(line, "loss", &point.value)) curve.valid_loss.push_back(point);
    }
  }
  return curve;
}

std::string training_curves_svg(const std::vector<TrainingCurve>& runs, CurveAxis axis) {
  const double panel_width = 420, panel_height = 280, top = 50, left = 70, gap = 90;
  const double legend_top = top + panel_height + 60;
  const double height = legend_top + 22.0 * static_cast<double>(runs.size()) + 10;
  const double width = left + 2 * panel_width + gap + 30;
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n";
  const std::string x_label = axis == CurveAxis::updates ? "updates" : "minutes";
  std::vector<const std::vector<CurvePoint>*> loss, bleu;
  bool any_bleu = false;
  for (const auto& r : runs) any_bleu = any_bleu || !r.valid_bleu.empty();
  for (const auto& r : runs) {
    loss.push_back(&r.train_loss);
    bleu.push_back(any_bleu ? &r.valid_bleu : &r.valid_loss);
  }
  panel(svg, left, top, panel_width, panel_height, "training loss", x_label, loss, axis);
  panel(svg, left + panel_width + gap, top, panel_width, panel_height,
        any_bleu ? "validation BLEU" : "validation loss", x_label, bleu, axis);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const double y = legend_top + 22.0 * static_cast<double>(r);
    svg << "<line x1='" << left << "' y1='" << y << "' x2='" << left + 30 << "' y2='" << y << "' stroke-width='3' stroke='"
        << kColours[r % 10] << "'/><text x='" << left + 38 << "' y='" << y + 4 << "' font-size='13'>"
        << escape(runs[r].label) << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace nmt::train
