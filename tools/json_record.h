// One JSON object on one line of stdout, printed when the statement that built it ends: the
// benchmarks' output format (nmt-bench, nmt-corpus-bench). Written by nmt-train's own JSON writer
// (nmt/train/progress.h: strings escaped, non-finite numbers as null), so that every tool writes
// JSON one way.
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <type_traits>

#include "nmt/train/progress.h"

namespace nmt::tools {

class JsonRecord {
 public:
  JsonRecord(const std::string& key, const std::string& value) { line_.add(key, value); }
  JsonRecord(const JsonRecord&) = delete;
  JsonRecord& operator=(const JsonRecord&) = delete;
  ~JsonRecord() { std::cout << line_.str() << std::endl; }

  template <class T>
  JsonRecord& add(const std::string& key, const T& value) {
    if constexpr (std::is_same_v<T, bool>)
      line_.add(key, value);
    else if constexpr (std::is_integral_v<T>)
      line_.add(key, static_cast<int64_t>(value));
    else if constexpr (std::is_floating_point_v<T>)
      line_.add(key, static_cast<double>(value));
    else
      line_.add(key, std::string(value));
    return *this;
  }

 private:
  train::JsonLine line_;
};

}  // namespace nmt::tools
