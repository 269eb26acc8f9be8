// nmt-serve under test: a tiny random Transformer saved through the model-file API (as in
// tests/tools/test_translate.cpp), the server started as a subprocess on a free loopback port
// (--port 0; the port is read from its first line), always killed at the end; an HTTP client.
#pragma once

#include <doctest/doctest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nmt/models/model_file.h"
#include "subprocess.h"
#include "tiny_model.h"
#include "tokenizer/subword_model.h"

namespace nmt::serve_test {

using json = nlohmann::json;
using testing::write_tiny_model;

inline const std::string kServe = NMT_BINARY_DIR "/bin/nmt-serve";
inline const std::string kTranslate = NMT_BINARY_DIR "/bin/nmt-translate";

inline std::string scratch() {
  static const std::string dir = [] {
    const auto path = std::filesystem::path(NMT_BINARY_DIR) / "serve_tests_scratch";
    std::filesystem::create_directories(path);
    return path.string();
  }();
  return dir;
}

// 1-layer, 32-wide Transformer, joint vocabulary of 600 pieces, max_positions 40; de -> en.
inline const std::string& model_path() {
  static const std::string path = [] {
    const std::string file = scratch() + "/tiny.model";
    write_tiny_model(file, {.training_config = {{"source-lang", "de"}, {"target-lang", "en"}}});
    return file;
  }();
  return path;
}

inline std::vector<std::string> flickr(std::size_t n) {
  std::ifstream in(NMT_TEST_DATA_DIR "/multi30k/test_2016_flickr.de");
  std::vector<std::string> lines;
  for (std::string line; lines.size() < n && std::getline(in, line);) lines.push_back(line);
  return lines;
}

class Server {
 public:
  explicit Server(std::vector<std::string> options = {}, std::string log_name = "server", std::string model = "") {
    log_ = scratch() + "/" + log_name + ".log";
    if (model.empty()) model = "tiny=" + model_path();
    std::string command = "exec '" + kServe + "' -m '" + model + "' --port 0 --threads 1";
    for (const auto& o : options) command += " '" + o + "'";
    command += " 2>'" + log_ + "'";
    process_ = std::make_unique<testing::Subprocess>(std::vector<std::string>{"/bin/sh", "-c", command});
    const std::string line = process_->read_line(60);
    const auto colon = line.rfind(':');
    REQUIRE_MESSAGE(line.find("listening on http://127.0.0.1:") != std::string::npos, line << "\n" << log());
    port_ = std::stoi(line.substr(colon + 1));
  }
  int port() const { return port_; }
  std::string log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  httplib::Client client(double seconds = 30) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(static_cast<time_t>(seconds));
    c.set_connection_timeout(5);
    c.set_tcp_nodelay(true);
    return c;
  }
  // SIGTERM, then the exit status (killed after `seconds`).
  int terminate(double seconds) {
    ::kill(pid(), SIGTERM);
    return process_->finish(seconds);
  }
  pid_t pid() const { return process_->pid(); }

 private:
  std::unique_ptr<testing::Subprocess> process_;
  std::string log_;
  int port_ = 0;
};

// One shared server for the tests that need no special options.
inline Server& shared_server() {
  static Server server({"--batch-wait-us", "2000"}, "shared");
  return server;
}

inline json post(const Server& s, const std::string& path, const std::string& body, int& status,
                 httplib::Headers headers = {}) {
  auto c = s.client();
  auto r = c.Post(path.c_str(), headers, body, "application/json");
  REQUIRE_MESSAGE(r, "no answer from nmt-serve: " << httplib::to_string(r.error()));
  status = r->status;
  INFO(r->body);
  return r->body.empty() ? json() : json::parse(r->body);
}

}  // namespace nmt::serve_test
