// The load tool (tools/nmt-serve-bench, behind recipes/serve/bench.sh's README table) against the
// tiny model, small and bounded: 1, 8 and 64 clients, no errors, the server's memory reported.
#include "server.h"

using namespace nmt::serve_test;

TEST_CASE("nmt-serve-bench: 1, 8 and 64 concurrent clients, no errors") {
  Server s({}, "load");
  const auto r = nmt::testing::run_tool(
      {NMT_BINARY_DIR "/bin/nmt-serve-bench", "--port", std::to_string(s.port()), "-i",
       NMT_TEST_DATA_DIR "/multi30k/test_2016_flickr.de", "--clients", "1,8,64", "--requests", "3", "--max-seconds", "120"},
      "", 180);
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("| 64 | 192 |") != std::string::npos);
  CHECK(r.out.find("server RSS before:") != std::string::npos);
  const auto refused = nmt::testing::run_tool({NMT_BINARY_DIR "/bin/nmt-serve-bench", "--port", "1", "-i", "x", "--host", "10.0.0.1"}, "");
  CHECK(refused.status == 2);
  CHECK(refused.err.find("loopback only") != std::string::npos);
  CHECK(s.terminate(20) == 0);
}
