// nmt-serve: translation as an HTTP service (LibreTranslate's, OpenNMT-py's and our own JSON API,
// Prometheus metrics and a web page with attention heatmaps). The service is nmt/serve/service.h;
// this main reads the options.
#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "nmt/serve/service.h"
#include "nmt/tensor/threading.h"
#include "version_option.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-serve")) return 0;
  // At once: SIGTERM while the models load stops the service as soon as it listens.
  nmt::serve::install_stop_signals();
  nmt::serve::ServiceOptions s;
  std::vector<std::string> models;
  int threads = 0, wait_us = 0, max_body = 0;
  po::options_description o("nmt-serve -m [NAME=]MODEL [-m ...] [options]\nOptions");
  o.add_options()
      ("help,h", "print this help")
      ("version", "print the version")
      ("model,m", po::value(&models)->composing(), "model file written by nmt-train, optionally named NAME=FILE "
       "(default name: the file name without extension); repeat for several models")
      ("host", po::value(&s.host)->default_value("127.0.0.1"), "address to bind (0.0.0.0: every interface)")
      ("port", po::value(&s.port)->default_value(8080), "port (0: any free port, printed on stdout)")
      ("threads", po::value(&threads)->default_value(0), "threads for the models (0 = all cores)")
      ("http-threads", po::value(&s.http_threads)->default_value(0), "connections served at once (0 = 8 + 2 per core, at least 72)")
      ("api-key", po::value(&s.api_key), "require this key on every request (X-API-Key header, Authorization: Bearer, "
       "api_key parameter or JSON field)")
      ("beam", po::value(&s.default_beam)->default_value(5), "beam size when a request names none")
      ("max-beam", po::value(&s.max_beam)->default_value(16), "largest beam a request may ask for")
      ("batch-tokens", po::value(&s.queue.token_budget)->default_value(2048), "source subwords per batch of the batching queue, and padded source subwords per search call")
      ("batch-wait-us", po::value(&wait_us)->default_value(5000), "longest wait (microseconds) for more sentences to fill a batch")
      ("batch-sentences", po::value(&s.queue.batch_sentences)->default_value(64), "sentences per search call")
      ("max-body-bytes", po::value(&max_body)->default_value(1 << 20), "larger request bodies are refused (413)")
      ("max-sentence-chars", po::value(&s.max_sentence_chars)->default_value(1000), "longer sentences are refused (400)")
      ("max-sentences", po::value(&s.max_sentences)->default_value(128), "sentences per request at most (400)")
      ("max-source-length", po::value(&s.queue.max_source_length)->default_value(0),
       "longer sources are cut to this many subwords (0 = the model's limit)")
      ("log-requests", po::bool_switch(&s.log_requests), "one line per request on stderr")
      ("precision", po::value(&s.precision)->default_value("auto"),
       "GEMMs in fp32 or int8 (as nmt-translate's); auto: int8 when a model file was written by nmt-quantize")
      ("shortlist", po::value(&s.shortlist)->default_value("auto"),
       "vocabulary shortlist from the model file's lexical table: on, off, or auto (on when the file holds one)")
      ("shortlist-top-k", po::value(&s.shortlist_settings.top_k)->default_value(50),
       "with a shortlist: the best target pieces of each source piece")
      ("shortlist-frequent", po::value(&s.shortlist_settings.frequent)->default_value(100),
       "with a shortlist: the most frequent target pieces, always included");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, o), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << "Serves translation models over HTTP (see README.md, 'nmt-serve').\n\n" << o << std::endl;
      return 0;
    }
    if (models.empty()) throw std::invalid_argument("--model (-m) is required");
    for (const std::string& m : models) {
      const auto eq = m.find('=');
      s.models.push_back(eq == std::string::npos ? nmt::serve::ModelSpec{"", m}
                                                 : nmt::serve::ModelSpec{m.substr(0, eq), m.substr(eq + 1)});
    }
    if (threads < 0 || wait_us < 0 || max_body < 1 || s.default_beam < 1 || s.max_beam < s.default_beam ||
        s.queue.token_budget < 1 || s.queue.batch_sentences < 1 || s.max_sentence_chars < 1 || s.max_sentences < 1 ||
        s.port < 0 || s.port > 65535 || s.queue.max_source_length < 0 || s.shortlist_settings.top_k < 0 ||
        s.shortlist_settings.frequent < 0)
      throw std::invalid_argument("a numeric option is out of range (see --help)");
    s.queue.max_wait = std::chrono::microseconds(wait_us);
    s.max_body_bytes = static_cast<std::size_t>(max_body);
  } catch (const std::exception& e) {
    std::cerr << "nmt-serve: " << e.what() << "\n(nmt-serve --help lists every option)" << std::endl;
    return 2;
  }
  try {
    nmt::set_num_threads(threads);
    nmt::serve::Service service(s);
    return nmt::serve::serve_until_signal(service);
  } catch (const std::exception& e) {
    std::cerr << "nmt-serve: error: " << e.what() << std::endl;
    return 1;
  }
}
