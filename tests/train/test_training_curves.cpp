// Training curves: the log read back, and the SVG chart drawn from one or several runs.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "nmt/train/training_curves.h"
#include "tests/tools/well_formed_xml.h"

using namespace nmt::train;

namespace {

std::string write_log(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("nmt-curves-" + name);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "log.jsonl").string();
  std::ofstream(path) << text;
  return path;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const char* kLog =
    "{\"event\": \"start\", \"update\": 0, \"parameters\": 10}\n"
    "{\"event\": \"train\", \"epoch\": 1, \"update\": 50, \"loss\": 8.0, \"elapsed_s\": 60}\n"
    "{\"event\": \"train\", \"epoch\": 1, \"update\": 100, \"loss\": 6.5, \"elapsed_s\": 120}\n"
    "{\"event\": \"valid\", \"update\": 100, \"loss\": 6.1, \"bleu\": 3.5, \"elapsed_s\": 130}\n"
    "{\"event\": \"train\", \"epoch\": 2, \"update\": 150, \"loss\": 5.0, \"elapsed_s\": 190}\n"
    "{\"event\": \"valid\", \"update\": 200, \"loss\": 5.2, \"bleu\": 9.25, \"elapsed_s\": 260}\n";

}  // namespace

TEST_CASE("training curves: the log's train and valid events are read back") {
  const TrainingCurve c = read_training_log(write_log("a", kLog), "a");
  REQUIRE(c.train_loss.size() == 3);
  CHECK(c.train_loss[1].update == 100);
  CHECK(c.train_loss[1].minutes == doctest::Approx(2.0));
  CHECK(c.train_loss[2].value == doctest::Approx(5.0));
  REQUIRE(c.valid_bleu.size() == 2);
  CHECK(c.valid_bleu[1].value == doctest::Approx(9.25));
  REQUIRE(c.valid_loss.size() == 2);
  CHECK(c.valid_loss[0].value == doctest::Approx(6.1));
}

TEST_CASE("training curves: one polyline per run and panel, a legend entry per run") {
  const TrainingCurve a = read_training_log(write_log("a", kLog), "transformer");
  const TrainingCurve b = read_training_log(write_log("b", kLog), "bahdanau <2>");
  const std::string svg = training_curves_svg({a, b}, CurveAxis::minutes);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(count(svg, "<polyline") == 4);
  CHECK(svg.find("validation BLEU") != std::string::npos);
  CHECK(svg.find(">transformer<") != std::string::npos);
  CHECK(svg.find("bahdanau &lt;2&gt;") != std::string::npos);  // escaped
  CHECK(svg.find(">minutes<") != std::string::npos);
}

TEST_CASE("training curves: the chart is well-formed XML whatever the run names hold") {
  // Labels come from folder names, which may hold control characters or invalid UTF-8.
  const TrainingCurve a = read_training_log(write_log("a", kLog), "run\x1C\n\xFF & <x>");
  const std::string svg = training_curves_svg({a}, CurveAxis::updates);
  CHECK_MESSAGE(nmt::testing::xml_problem(svg).empty(), nmt::testing::xml_problem(svg));
  CHECK(svg.find("run\xEF\xBF\xBD \xEF\xBF\xBD &amp; &lt;x&gt;") != std::string::npos);
}

TEST_CASE("training curves: a file that is not a training log is an error naming file and line") {
  const std::string path = write_log("bad", "{\"event\": \"train\", \"update\": 1, \"loss\": 2, \"elapsed_s\": 3}\nhello\n");
  CHECK_THROWS_WITH_AS(read_training_log(path, "x"), doctest::Contains("log.jsonl:2: not a line of nmt-train's log"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(read_training_log("/no/such/log.jsonl", "x"), doctest::Contains("/no/such/log.jsonl: cannot read"),
                       std::runtime_error);
}
