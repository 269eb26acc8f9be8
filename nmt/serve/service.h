// nmt-serve's service: one or more model files behind an HTTP API (cpp-httplib) with JSON bodies
// (nlohmann::json), and a web page. Endpoints:
//   POST /translate              LibreTranslate's API ({"q", "source", "target"} -> {"translatedText"})
//   GET  /languages              LibreTranslate's language list
//   POST /translator/translate   OpenNMT-py's REST API ([{"src", "id"}] -> [[{"src","tgt","n_best","pred_score"}]])
//   GET  /translator/models      OpenNMT-py's model list
//   POST /v1/translate           ours: sentences, beam, n-best, alignments, attention matrices
//   GET  /v1/models  /health  /metrics (Prometheus)  /  (the page: nmt/serve/page/index.html)
// Requests are translated through one BatchQueue per model. Every failure is a JSON
// {"error": "..."} with a 4xx status (5xx only for the service's own faults).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "nmt/search/shortlist.h"
#include "nmt/serve/batch_queue.h"

namespace nmt::serve {

struct ModelSpec {
  std::string name;  // empty: the file's name without its extension
  std::string path;
};

struct ServiceOptions {
  std::vector<ModelSpec> models;
  std::string host = "127.0.0.1";
  int port = 8080;                // 0: any free port (printed on stdout)
  int http_threads = 0;           // connections served at once (0: 8 + 2 * cores, at least 72)
  std::string api_key;            // empty: no key
  std::size_t max_body_bytes = 1 << 20;   // larger bodies: 413
  int max_sentence_chars = 1000;  // longer sentences (Unicode code points): 400
  int max_sentences = 128;        // sentences per request
  int max_beam = 16;              // beam sizes a request may ask for
  int default_beam = 5;
  QueueOptions queue;
  bool log_requests = false;      // one stderr line per request
  // As nmt-translate's --shortlist (on | off | auto) and --precision (auto | fp32 | int8; auto:
  // int8 when a model file holds stored int8 weights, nmt-quantize).
  std::string shortlist = "auto";
  ShortlistSettings shortlist_settings;
  std::string precision = "auto";
};

class Service {
 public:
  // Loads every model (throws naming the file that failed).
  explicit Service(ServiceOptions options);
  ~Service();

  // Binds host:port (throws when it cannot), prints "nmt-serve: listening on http://HOST:PORT"
  // on stdout and serves until stop(). Requests in flight at stop() are answered first.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Installs the SIGTERM/SIGINT handler (it wakes the thread that stops the service); call it first
// in main, then serve_until_signal.
void install_stop_signals();
// Runs the service; SIGTERM or SIGINT stops it (requests in flight are answered). Returns 0.
int serve_until_signal(Service& service);

}  // namespace nmt::serve
