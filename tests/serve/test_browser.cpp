// The page in a real browser: headless Chromium (Debian's chromium) driven by puppeteer-core
// (browser/page_test.cjs). Run by the CTest test serve_browser (serve_tests --no-skip
// --test-case=*browser*); exits 77 (CTest: skipped) with a message where chromium, node or
// puppeteer-core (npm) is missing. The screenshot: build/serve_tests_scratch/page.png.
// NMT_SERVE_PAGE_MODEL=FILE serves that model instead of the tiny random one.
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <iostream>

#include "server.h"

using namespace nmt::serve_test;

namespace {

std::string find_program(const std::vector<std::string>& names) {
  const char* env_path = std::getenv("PATH");
  std::string path = env_path ? env_path : "/usr/bin:/bin";
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');)
    for (const auto& n : names)
      if (::access((dir + "/" + n).c_str(), X_OK) == 0) return dir + "/" + n;
  return "";
}

[[noreturn]] void skip(const std::string& why) {
  std::cout << "SKIPPED: the browser test of nmt-serve: " << why << std::endl;
  std::exit(77);
}

}  // namespace

TEST_CASE("browser: the page translates typed German and draws one heatmap cell per token pair" * doctest::skip()) {
  const char* chromium_env = std::getenv("CHROMIUM");
  const std::string chromium = chromium_env ? chromium_env : find_program({"chromium", "chromium-browser", "google-chrome"});
  if (chromium.empty()) skip("chromium is not installed (apt-get install chromium, or bash tools/install-deps.sh)");
  const std::string node = find_program({"node", "nodejs"});
  if (node.empty()) skip("node is not installed (apt-get install nodejs npm)");
  const std::string npm_dir = NMT_BINARY_DIR "/npm";
  const auto setup = nmt::testing::run_tool({"/bin/bash", NMT_SOURCE_DIR "/tests/serve/browser/setup.sh", npm_dir}, "", 240);
  if (setup.status != 0) skip("puppeteer-core could not be installed from npm:\n" + setup.err);
  // NMT_SERVE_PAGE_MODEL=FILE: a trained model instead of the tiny random one (for the README's
  // screenshot, recipes/serve/nmt-serve-page.png); what is checked holds for any model.
  const char* page_model = std::getenv("NMT_SERVE_PAGE_MODEL");
  Server s({}, "browser", page_model ? page_model : "");
  const std::string screenshot = scratch() + "/page.png";
  std::filesystem::remove(screenshot);
  const auto r = nmt::testing::run_tool(
      {node, NMT_SOURCE_DIR "/tests/serve/browser/page_test.cjs", npm_dir, chromium,
       "http://127.0.0.1:" + std::to_string(s.port()) + "/", screenshot}, "", 120);
  INFO(r.out);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(std::filesystem::exists(screenshot));
  std::cout << r.out;
  CHECK(s.terminate(20) == 0);
}
