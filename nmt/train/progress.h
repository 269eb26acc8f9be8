// What the trainer tells people and programs while it runs.
//
//   JsonLine       one JSON object on one line (log.jsonl beside the model: one line per progress
//                  report and per validation, for plots)
//   format_duration  "1h02m", "4m05s", "12s": elapsed and remaining time at a glance
//   ProgressMeter  the running sums between two progress lines (loss, tokens, time)
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace nmt::train {

class JsonLine {
 public:
  JsonLine& add(const std::string& key, const std::string& value);
  JsonLine& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  JsonLine& add(const std::string& key, double value);
  JsonLine& add(const std::string& key, int64_t value);
  JsonLine& add(const std::string& key, int value) { return add(key, static_cast<int64_t>(value)); }
  JsonLine& add(const std::string& key, bool value);
  // A value that is already JSON (an object or array).
  JsonLine& add_raw(const std::string& key, const std::string& json);
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(const std::string& k);
  std::string body_;
};

std::string json_quote(const std::string& text);

// "45s", "4m05s", "1h02m", "3d04h"; negative -> "?".
std::string format_duration(double seconds);

// Sums between two progress lines.
struct ProgressMeter {
  double loss_sum = 0;  // label-smoothed loss, summed over target tokens
  double nll_sum = 0;   // unsmoothed negative log-likelihood, summed
  int64_t tokens = 0;
  double train_seconds = 0;  // time in training steps (validation excluded)
  int64_t updates = 0;

  void reset() { *this = ProgressMeter(); }
};

}  // namespace nmt::train
