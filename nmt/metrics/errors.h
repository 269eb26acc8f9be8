// The one exception type of nmt::metrics: a message a user can act on (which file, which line,
// what is wrong). Command-line tools print what() after "nmt-bleu: error: ".
#pragma once

#include <stdexcept>
#include <string>

namespace nmt::metrics {

class MetricsError : public std::runtime_error {
 public:
  explicit MetricsError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace nmt::metrics
