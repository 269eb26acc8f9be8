// What fuzzing the settings file (tests/fuzz/classify_settings.cpp, README "Fuzzing") found.
#include <doctest/doctest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "nmt/classify/classifier_training.h"

using namespace nmt::classify;

TEST_CASE("fuzz finding: an integer setting beyond int's range is an error naming it, not undefined behaviour") {
  // 'epochs = 1e300' was cast from double to int (undefined; on x86 INT_MIN: no training at all).
  for (const char* key : {"epochs", "batch-size", "subword-vocab-size"}) {
    for (const char* value : {"1e300", "3e9", "inf"}) {
      std::string error = "(no error)";
      try {
        Variant::from_map("variant", {{key, value}});
      } catch (const std::invalid_argument& e) {
        error = e.what();
      }
      CAPTURE(key);
      CAPTURE(value);
      CHECK(error == std::string(key) + ": '" + value + "' is too large (at most 2147483647)");
    }
  }
  CHECK(Variant::from_map("variant", {{"epochs", "2147483647"}}).training.epochs == 2147483647);
}
