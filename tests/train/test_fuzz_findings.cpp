// What fuzzing found in the model-file loader (tests/fuzz/model_payload.cpp, README "Fuzzing"), each
// as the smallest payload that shows it, framed with a correct checksum so that it reaches the parser.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nmt/models/model_file.h"
#include "nmt/train/options.h"
#include "train_test_data.h"

using namespace nmt;
using nmt::train::testing::scratch_dir;

namespace {

const FileFormat kModelFormat{"NMTMODEL", kModelFileVersion, "model file"};

// The start of a payload: the archive header, then an empty model configuration and an empty
// training configuration.
void write_empty_configurations(boost::archive::binary_oarchive& ar) {
  const std::map<std::string, std::string> none;
  ar << none << none;
}

std::string error_of(void (*read)(const std::string&), const std::string& path) {
  try {
    read(path);
  } catch (const ModelFileError& e) {
    return e.what();
  }
  return "(no error)";
}

void inspect(const std::string& path) { inspect_model_file(path); }
void load(const std::string& path) { load_model(path); }

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("fuzz finding: a corrupt string length is refused before anything is allocated") {
  // Boost's binary_iarchive resized the string to the stored length before reading it: 512 MiB
  // allocated and zeroed for this payload of under 100 bytes. The length must be checked against the bytes left.
  std::ostringstream out(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(out);
    write_empty_configurations(ar);
  }
  std::string payload = out.str();
  const uint64_t length = uint64_t(512) << 20;  // the normalisation settings' string
  payload.append(reinterpret_cast<const char*>(&length), 8);
  payload += "form=nfkc\n";
  const std::string path = (scratch_dir("fuzz-string-length") / "model.nmt").string();
  write_framed_file(path, kModelFormat, payload);

  const long before = peak_rss_kb();
  for (auto read : {inspect, load}) {
    const std::string error = error_of(read, path);
    CHECK(error.find(path) != std::string::npos);
    CHECK(error.find("corrupt") != std::string::npos);
  }
  CHECK(peak_rss_kb() - before < 128 * 1024);  // KiB: far below the 512 MiB the length asks for
}

TEST_CASE("fuzz finding: dimensions whose product overflows are corrupt, not a parameter of 0 values") {
  // [2^32, 2^32] multiplied in int64_t overflowed (undefined behaviour; in practice 0), so a
  // parameter of that shape with 0 values was accepted and nmt-model-info reported it.
  std::ostringstream out(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(out);
    write_empty_configurations(ar);
    const std::string normalization = "form=nfkc\n", vocabulary, name = "w", state;
    const uint64_t count = 1, values = 0;
    const std::vector<int64_t> dims = {int64_t(1) << 32, int64_t(1) << 32};
    ar << normalization << vocabulary << count << name << dims << values << state;
  }
  const std::string path = (scratch_dir("fuzz-shape-overflow") / "model.nmt").string();
  write_framed_file(path, kModelFormat, out.str());
  const std::string error = error_of(inspect, path);
  CHECK(error.find(path) != std::string::npos);
  CHECK(error.find("corrupt (parameter 'w' has shape [4294967296, 4294967296] but 0 values)") != std::string::npos);
}

TEST_CASE("fuzz finding: an indented [section] line in an nmt-train config file is a section, not a crash") {
  // The section line was blanked, then compared at its old indentation: std::out_of_range escaped
  // parse_train_command_line and nmt-train died with "terminate called after throwing".
  const std::string path = (scratch_dir("fuzz-indented-section") / "train.ini").string();
  std::ofstream(path) << "  [model]\nd-model = 64\n\t[data]\r\ntrain-source = a.de\n";
  const char* argv[] = {"nmt-train", "--config", path.c_str(), "--train-target", "a.en", "--valid-source", "v.de",
                        "--valid-target", "v.en", "--model-dir", "out"};
  train::ParsedCommandLine parsed;
  REQUIRE_NOTHROW(parsed = train::parse_train_command_line(11, argv));
  CHECK(parsed.options.model.d_model == 64);
  CHECK(parsed.options.train_source == "a.de");
}
