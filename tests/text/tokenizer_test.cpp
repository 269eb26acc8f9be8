// Tests of tokenizer/: UTF-8 checking, normalisation forms, the subword model and its round trip.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "test_data.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/special_ids.h"
#include "tokenizer/subword_model.h"
#include "tokenizer/utf8.h"

using namespace nmt::text;
using nmt::text::testing::joint_multi30k_model;
using nmt::text::testing::multi30k;
using nmt::text::testing::read_lines;

TEST_CASE("round trip: decode(encode(x)) == normalize(x) on every line of Multi30k") {
  const Normalizer normalizer;
  const SubwordModel& model = joint_multi30k_model();
  CHECK(model.vocab_size() == 8000);
  std::size_t lines = 0, failures = 0;
  for (const char* split : {"train", "val", "test_2016_flickr"}) {
    for (const char* language : {"de", "en", "fr", "cs"}) {
      const std::string path = multi30k(std::string(split) + "." + language);
      const std::vector<std::string> raw = read_lines(path);
      REQUIRE_MESSAGE(!raw.empty(), path);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        std::string text = raw[i];
        Utf8Checker{InvalidUtf8Policy::error}.check(text, {path, i + 1});
        const std::string normalized = normalizer.normalize(text);
        const std::string decoded = model.decode(model.encode(normalized));
        if (decoded != normalized && ++failures <= 5) {
          FAIL_CHECK(path << ":" << i + 1 << ": '" << decoded << "' != '" << normalized << "'");
        }
        ++lines;
      }
    }
  }
  CHECK(failures == 0);
  CHECK(lines == 4 * (29000 + 1014 + 1000));
}
