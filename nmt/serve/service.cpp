#include "nmt/serve/service.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <optional>
#include <thread>

#include "nmt/models/model_file.h"
#include "nmt/tensor/blas.h"
#include "nmt/search/alignment.h"
#include "nmt/serve/page.h"
#include "tokenizer/utf8.h"

namespace nmt::serve {

using json = nlohmann::json;

namespace {

// A request the service refuses: status and a message naming the problem.
struct ApiError : std::runtime_error {
  int status;
  ApiError(int s, const std::string& message) : std::runtime_error(message), status(s) {}
};

std::string to_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(to_json(body), "application/json");
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Field readers: a wrong type is a 400 naming the field and the expected type.
const json* field(const json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}
int int_field(const json& object, const char* name, int fallback, int low, int high) {
  const json* v = field(object, name);
  if (!v) return fallback;
  if (!v->is_number_integer()) throw ApiError(400, std::string("'") + name + "' must be an integer");
  const auto x = v->get<long long>();
  if (x < low || x > high)
    throw ApiError(400, std::string("'") + name + "' must be between " + std::to_string(low) + " and " +
                            std::to_string(high) + " (got " + std::to_string(x) + ")");
  return static_cast<int>(x);
}
bool bool_field(const json& object, const char* name) {
  const json* v = field(object, name);
  if (!v) return false;
  if (!v->is_boolean()) throw ApiError(400, std::string("'") + name + "' must be true or false");
  return v->get<bool>();
}
std::string string_field(const json& object, const char* name) {
  const json* v = field(object, name);
  if (!v) return "";
  if (!v->is_string()) throw ApiError(400, std::string("'") + name + "' must be a string");
  return v->get<std::string>();
}
// A string or a list of strings; `single` tells which it was.
std::vector<std::string> text_field(const json& object, const char* name, bool& single) {
  const json* v = field(object, name);
  if (!v) throw ApiError(400, std::string("'") + name + "' is missing (the text to translate)");
  std::vector<std::string> lines;
  single = v->is_string();
  if (single) {
    lines.push_back(v->get<std::string>());
  } else if (v->is_array()) {
    for (const json& x : *v) {
      if (!x.is_string()) throw ApiError(400, std::string("'") + name + "' must be a string or a list of strings");
      lines.push_back(x.get<std::string>());
    }
  } else {
    throw ApiError(400, std::string("'") + name + "' must be a string or a list of strings");
  }
  return lines;
}

json parse_body(const httplib::Request& req) {
  if (!text::is_valid_utf8(req.body)) throw ApiError(400, "the request body is not valid UTF-8");
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw ApiError(400, std::string("malformed JSON: ") + e.what());
  }
}

std::string language_name(const std::string& code) {
  static const std::map<std::string, std::string> names{
      {"de", "German"}, {"en", "English"}, {"fr", "French"}, {"cs", "Czech"}, {"es", "Spanish"},
      {"it", "Italian"}, {"nl", "Dutch"}, {"pt", "Portuguese"}, {"ru", "Russian"}, {"zh", "Chinese"}};
  const auto it = names.find(code);
  return it == names.end() ? code : it->second;
}

// "train.de" -> "de".
std::string suffix_language(const std::string& file) {
  const auto dot = file.rfind('.');
  return dot == std::string::npos ? "" : file.substr(dot + 1);
}

}  // namespace

struct Served {
  std::string name, path, source, target;
  int opennmt_id = 0;
  LoadedModel loaded;
  std::optional<text::Tokenizer> tokenizer;
  ModelFileSummary summary;
  std::unique_ptr<BatchQueue> queue;
};

struct Service::Impl {
  ServiceOptions options;
  Metrics metrics;
  std::vector<std::unique_ptr<Served>> models;
  httplib::Server server;
  socket_t listen_socket = INVALID_SOCKET;
  std::atomic<bool> stop_requested{false};

  explicit Impl(ServiceOptions o) : options(std::move(o)) {
    if (options.models.empty()) throw std::invalid_argument("no model: give at least one -m MODEL");
    int id = 100;  // OpenNMT-py's example configuration numbers its models from 100
    bool any_int8 = false;
    for (const ModelSpec& spec : options.models) {
      auto m = std::make_unique<Served>();
      m->path = spec.path;
      m->name = spec.name.empty() ? std::filesystem::path(spec.path).stem().string() : spec.name;
      for (const auto& other : models)
        if (other->name == m->name) throw std::invalid_argument("two models are named '" + m->name + "' (give NAME=FILE)");
      m->opennmt_id = id++;
      m->summary = inspect_model_file(spec.path);
      m->loaded = load_model(spec.path);
      // Warnings of the translator (a source cut to the model's limit) are answered in the JSON
      // (source_truncated), not written to stderr once per sentence; invalid UTF-8 is refused first.
      m->loaded.tokenizer();  // throws naming the file when it holds no vocabulary
      m->tokenizer.emplace(m->loaded.vocabulary, m->loaded.info.normalization,
                           text::Utf8Checker{text::InvalidUtf8Policy::replace, [](const std::string&) {}});
      const auto& config = m->loaded.info.training_config;
      auto get = [&](const char* key) {
        const auto it = config.find(key);
        return it == config.end() ? std::string() : it->second;
      };
      m->source = get("source-lang");
      m->target = get("target-lang");
      if (m->source.empty()) m->source = suffix_language(get("train-source"));
      if (m->target.empty()) m->target = suffix_language(get("train-target"));
      if (m->source.empty()) m->source = "de";  // the toolkit's recipes translate German to English
      if (m->target.empty()) m->target = "en";
      SearchOptions base;
      base.beam = options.default_beam;
      base.shortlist = shortlist_for_model(spec.path, m->loaded.info.lexical_table, m->loaded.model->config().vocab_size,
                                           options.shortlist, options.shortlist_settings);
      any_int8 |= !m->loaded.info.int8_weights.empty();
      m->loaded.info.int8_weights.clear();  // registered at load; the copies are not needed
      base.validate();
      m->queue = std::make_unique<BatchQueue>(*m->loaded.model, *m->tokenizer, base, options.queue, &metrics);
      models.push_back(std::move(m));
    }
    if (options.precision != "auto" && options.precision != "fp32" && options.precision != "int8")
      throw std::invalid_argument("--precision must be auto, fp32 or int8 (got '" + options.precision + "')");
    // After loading: stored int8 weights stay registered whatever the precision.
    blas::set_precision(options.precision == "int8" || (options.precision == "auto" && any_int8) ? blas::Precision::int8
                                                                                                 : blas::Precision::fp32);
  }

  // ---- API key ----
  bool key_in_headers(const httplib::Request& req) const {
    if (options.api_key.empty()) return true;
    if (req.get_header_value("X-API-Key") == options.api_key) return true;
    if (req.get_header_value("Authorization") == "Bearer " + options.api_key) return true;
    return req.has_param("api_key") && req.get_param_value("api_key") == options.api_key;
  }
  void check_key(const httplib::Request& req, const json* body) const {
    if (key_in_headers(req)) return;
    if (body && body->is_object()) {
      const json* k = field(*body, "api_key");
      if (k && k->is_string() && k->get<std::string>() == options.api_key) return;
    }
    throw ApiError(401, "a valid API key is required (X-API-Key header, Authorization: Bearer, api_key)");
  }

  // ---- models ----
  Served& find_model(const std::string& name, std::string source, std::string target) {
    if (!name.empty()) {
      for (auto& m : models)
        if (m->name == name) return *m;
      throw ApiError(400, "unknown model '" + name + "'");
    }
    if (source == "auto") source.clear();
    for (auto& m : models)
      if ((source.empty() || m->source == source) && (target.empty() || m->target == target)) return *m;
    throw ApiError(400, "no model translates " + (source.empty() ? std::string("?") : source) + " to " +
                            (target.empty() ? std::string("?") : target));
  }

  // ---- translating ----
  std::vector<Translation> translate(Served& m, std::vector<std::string> lines, JobSettings settings) {
    if (lines.empty()) return {};
    if (static_cast<int>(lines.size()) > options.max_sentences)
      throw ApiError(400, std::to_string(lines.size()) + " sentences in one request; at most " +
                              std::to_string(options.max_sentences) + " are allowed");
    int tokens = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (code_points(lines[i]) > static_cast<std::size_t>(options.max_sentence_chars))
        throw ApiError(400, "sentence " + std::to_string(i + 1) + " has " + std::to_string(code_points(lines[i])) +
                                " characters; at most " + std::to_string(options.max_sentence_chars) + " are allowed");
      // Lines are translated one per line: a newline inside one would be taken as text anyway.
      tokens += static_cast<int>(m.tokenizer->encode(lines[i]).size()) + 1;
    }
    BatchQueue::Active active(*m.queue);
    auto future = m.queue->submit(std::move(lines), tokens, settings);
    std::vector<Translation> out = future.get();
    uint64_t source_tokens = 0, target_tokens = 0, sentences = 0;
    for (const Translation& t : out) {
      if (t.empty()) continue;
      ++sentences;
      source_tokens += t.source.size();
      target_tokens += t.result.best().tokens.size();
    }
    metrics.translated(sentences, source_tokens, target_tokens);
    return out;
  }

  // ---- endpoints ----
  void libretranslate(const json& body, httplib::Response& res) {
    if (!body.is_object()) throw ApiError(400, "the request must be a JSON object {\"q\": ..., \"source\": ..., \"target\": ...}");
    bool single = false;
    std::vector<std::string> lines = text_field(body, "q", single);
    const std::string source = string_field(body, "source"), target = string_field(body, "target");
    const std::string format = string_field(body, "format");
    if (!format.empty() && format != "text") throw ApiError(400, "format '" + format + "' is not supported (only \"text\")");
    Served& m = find_model(string_field(body, "model"), source, target);
    const int alternatives = int_field(body, "alternatives", 0, 0, options.max_beam - 1);
    JobSettings s;
    s.beam = std::max(options.default_beam, alternatives + 1);
    s.n_best = alternatives + 1;
    const auto out = translate(m, lines, s);
    json texts = json::array(), alts = json::array();
    for (const Translation& t : out) {
      texts.push_back(t.text);
      json a = json::array();
      for (std::size_t i = 1; i < t.result.hypotheses.size(); ++i) a.push_back(m.queue->labels().detokenize(t.result.hypotheses[i].tokens));
      alts.push_back(a);
    }
    json reply{{"translatedText", single ? texts[0] : texts}};
    if (alternatives > 0) reply["alternatives"] = single ? alts[0] : alts;
    if (source == "auto") {
      json detected{{"confidence", 100.0}, {"language", m.source}};
      reply["detectedLanguage"] = single ? detected : json(std::vector<json>(lines.size(), detected));
    }
    send_json(res, 200, reply);
  }

  void opennmt(const json& body, httplib::Response& res) {
    if (!body.is_array()) throw ApiError(400, "the request must be a JSON list [{\"src\": ..., \"id\": ...}]");
    if (body.empty()) throw ApiError(400, "the request holds no sentence");
    Served* model = nullptr;
    std::vector<std::string> lines;
    for (const json& item : body) {
      if (!item.is_object()) throw ApiError(400, "each element must be an object {\"src\": ..., \"id\": ...}");
      const json* src = field(item, "src");
      if (!src || !src->is_string()) throw ApiError(400, "'src' must be a string");
      lines.push_back(src->get<std::string>());
      Served* m = models.front().get();
      if (const json* id = field(item, "id")) {
        if (!id->is_number_integer()) throw ApiError(400, "'id' must be an integer (a model id from /translator/models)");
        m = nullptr;
        for (auto& x : models)
          if (x->opennmt_id == id->get<long long>()) m = x.get();
        if (!m) throw ApiError(400, "unknown model id " + std::to_string(id->get<long long>()));
      }
      if (model && model != m) throw ApiError(400, "all sentences of one request must use the same model id");
      model = m;
    }
    JobSettings s;
    s.beam = options.default_beam;
    const auto out = translate(*model, lines, s);
    json best = json::array();
    for (std::size_t i = 0; i < out.size(); ++i)
      best.push_back({{"src", lines[i]}, {"tgt", out[i].text}, {"n_best", 1},
                      {"pred_score", out[i].empty() ? 0.0 : static_cast<double>(out[i].result.best().score)}});
    send_json(res, 200, json::array({best}));
  }

  void v1_translate(const json& body, httplib::Response& res) {
    if (!body.is_object()) throw ApiError(400, "the request must be a JSON object {\"text\": ...}");
    bool single = false;
    std::vector<std::string> lines = text_field(body, body.contains("q") && !body.contains("text") ? "q" : "text", single);
    Served& m = find_model(string_field(body, "model"), string_field(body, "source"), string_field(body, "target"));
    JobSettings s;
    s.beam = int_field(body, "beam", options.default_beam, 1, options.max_beam);
    s.n_best = int_field(body, "n_best", 1, 1, s.beam);
    const bool alignment = bool_field(body, "alignment"), attention = bool_field(body, "attention");
    s.attention = alignment || attention;
    const auto out = translate(m, lines, s);
    const Translator& labels = m.queue->labels();
    json translations = json::array();
    for (const Translation& t : out) {
      json item{{"text", t.text}, {"source_truncated", t.source_truncated}};
      if (t.empty()) {
        item["score"] = 0.0;
        item["n_best"] = json::array();
        if (s.attention) {
          item["source_tokens"] = json::array();
          item["target_tokens"] = json::array();
        }
        if (alignment) item["alignment"] = json::array();
        if (attention) item["attention"] = json::array();
        translations.push_back(item);
        continue;
      }
      const Hypothesis& best = t.result.best();
      item["score"] = best.normalized;
      item["hit_length_limit"] = t.result.hit_length_limit();
      json nbest = json::array();
      for (const Hypothesis& h : t.result.hypotheses)
        nbest.push_back({{"text", labels.detokenize(h.tokens)}, {"score", h.normalized}, {"log_probability", h.score}});
      item["n_best"] = nbest;
      if (s.attention) {
        item["source_tokens"] = labels.pieces(t.source, true);
        item["target_tokens"] = labels.pieces(best.tokens, true);
      }
      if (alignment) {
        json pairs = json::array();
        for (const auto& [src, tgt] : hard_alignment(best)) pairs.push_back({src, tgt});
        item["alignment"] = pairs;
      }
      if (attention) {
        json rows = json::array();
        const int steps = best.source_length ? static_cast<int>(best.attention.size() / best.source_length) : 0;
        for (int r = 0; r < steps; ++r) {
          json row = json::array();
          for (int c = 0; c < best.source_length; ++c) row.push_back(best.attention_at(r, c));
          rows.push_back(row);
        }
        item["attention"] = rows;
      }
      translations.push_back(item);
    }
    send_json(res, 200, {{"model", m.name}, {"source", m.source}, {"target", m.target}, {"translations", translations}});
  }

  json models_json() const {
    json list = json::array();
    for (const auto& m : models) {
      const ModelConfig& c = m->loaded.model->config();
      list.push_back({{"name", m->name},
                      {"id", m->opennmt_id},
                      {"source", m->source},
                      {"target", m->target},
                      {"architecture", m->summary.model_config},
                      {"type", c.type},
                      {"parameters", m->summary.parameter_count()},
                      {"vocabulary", c.vocab_size},
                      {"max_positions", c.max_positions},
                      {"file_bytes", m->summary.file_bytes}});
    }
    return list;
  }

  json languages_json() const {
    std::map<std::string, std::vector<std::string>> targets;
    for (const auto& m : models) targets[m->source].push_back(m->target);
    json list = json::array();
    for (const auto& [code, t] : targets) list.push_back({{"code", code}, {"name", language_name(code)}, {"targets", t}});
    return list;
  }

  // Wraps an endpoint: API key, JSON errors, latency.
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, const json*)>;
  httplib::Server::Handler wrap(bool json_body, Handler handler) {
    return [this, json_body, handler](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      try {
        if (json_body) {
          json body;
          try {
            body = parse_body(req);
          } catch (const ApiError&) {
            check_key(req, nullptr);  // an unauthorised client learns nothing else
            throw;
          }
          check_key(req, &body);
          handler(req, res, &body);
        } else {
          check_key(req, nullptr);
          handler(req, res, nullptr);
        }
      } catch (const ApiError& e) {
        send_json(res, e.status, {{"error", e.what()}});
      } catch (const json::exception& e) {
        send_json(res, 400, {{"error", std::string("invalid request: ") + e.what()}});
      } catch (const std::invalid_argument& e) {
        send_json(res, 400, {{"error", e.what()}});
      } catch (const std::exception& e) {
        send_json(res, 500, {{"error", std::string("internal error: ") + e.what()}});
      }
      metrics.latency(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    };
  }

  static std::string endpoint_label(const std::string& path) {
    static const char* known[] = {"/", "/translate", "/languages", "/translator/translate", "/translator/models",
                                  "/v1/translate", "/v1/models", "/health", "/metrics"};
    for (const char* k : known)
      if (path == k) return k;
    return "other";
  }

  void routes() {
    server.Post("/translate", wrap(true, [this](auto&, auto& res, const json* b) { libretranslate(*b, res); }));
    server.Get("/languages", wrap(false, [this](auto&, auto& res, auto) { send_json(res, 200, languages_json()); }));
    server.Post("/translator/translate", wrap(true, [this](auto&, auto& res, const json* b) { opennmt(*b, res); }));
    server.Get("/translator/models", wrap(false, [this](auto&, auto& res, auto) {
      json list = json::array();
      for (const auto& m : models) list.push_back({{"model_id", m->opennmt_id}, {"model", m->name}, {"loaded", true}});
      send_json(res, 200, list);
    }));
    server.Post("/v1/translate", wrap(true, [this](auto&, auto& res, const json* b) { v1_translate(*b, res); }));
    server.Get("/v1/models", wrap(false, [this](auto&, auto& res, auto) { send_json(res, 200, models_json()); }));
    server.Get("/health", wrap(false, [this](auto&, auto& res, auto) {
      send_json(res, 200, {{"status", "ok"}, {"models", models.size()}});
    }));
    server.Get("/metrics", wrap(false, [this](auto&, auto& res, auto) {
      res.set_content(metrics.render(), "text/plain; version=0.0.4");
    }));
    server.Get("/", wrap(false, [](auto&, auto& res, auto) {
      res.set_content(std::string(index_html()), "text/html; charset=utf-8");
      res.set_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
    }));
    // GET requests are refused here without a key; POSTs may carry it in the body (LibreTranslate).
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "POST" && !key_in_headers(req)) {
        send_json(res, 401, {{"error", "a valid API key is required (X-API-Key header, Authorization: Bearer, api_key)"}});
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Errors httplib answers itself (404, 413, 400 for a broken request line ...) get a JSON body too.
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = "HTTP " + std::to_string(res.status);
      if (res.status == 404) message = "no such endpoint: " + req.method + " " + req.path;
      if (res.status == 413) message = "the request body is too large";
      if (res.status == 405) message = "method not allowed";
      res.set_content(to_json({{"error", message}}), "application/json");
    });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      metrics.request(endpoint_label(req.path), res.status);
      if (options.log_requests)
        std::fprintf(stderr, "nmt-serve: %s %s %d\n", req.method.c_str(), req.path.c_str(), res.status);
    });
    server.set_payload_max_length(options.max_body_bytes);
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000000);
    server.set_keep_alive_timeout(5);
    // Debian's cpp-httplib listens with a backlog of 5: 64 clients connecting at once overflow it,
    // and a connection whose request reaches the server late is closed unanswered. The listening
    // socket is captured here and given a full backlog once bound (Service::run).
    server.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_socket = sock;
    });
    server.set_read_timeout(10);
    server.set_write_timeout(10);
    int threads = options.http_threads;
    if (threads <= 0) threads = std::max(72, 8 + 2 * static_cast<int>(std::thread::hardware_concurrency()));
    server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  }
};

Service::Service(ServiceOptions options) : impl_(std::make_unique<Impl>(std::move(options))) { impl_->routes(); }
Service::~Service() = default;

void Service::run() {
  Impl& s = *impl_;
  int port = s.options.port;
  if (port == 0) {
    port = s.server.bind_to_any_port(s.options.host);
  } else if (!s.server.bind_to_port(s.options.host, port)) {
    port = -1;
  }
  if (port < 0) throw std::runtime_error("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port));
  if (s.listen_socket != INVALID_SOCKET) ::listen(s.listen_socket, SOMAXCONN);
  if (s.stop_requested) return;  // stopped while loading or binding
  std::printf("nmt-serve: listening on http://%s:%d\n", s.options.host.c_str(), port);
  std::fflush(stdout);
  s.server.listen_after_bind();
}

void Service::stop() {
  impl_->stop_requested = true;
  impl_->server.stop();
}

namespace {
int stop_pipe[2] = {-1, -1};
extern "C" void on_stop_signal(int signal) {
  const char byte = static_cast<char>(signal);
  (void)!::write(stop_pipe[1], &byte, 1);  // async-signal-safe; the waiting thread does the rest
}
}  // namespace

void install_stop_signals() {
  // A handler rather than a blocked mask: threads that libraries started before main (OpenBLAS,
  // OpenMP) would otherwise take SIGTERM with its default action and end the process at once.
  if (stop_pipe[0] < 0 && ::pipe(stop_pipe) != 0) throw std::runtime_error("pipe failed");
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

int serve_until_signal(Service& service) {
  install_stop_signals();
  std::thread waiter([&service] {
    char signal = 0;
    while (::read(stop_pipe[0], &signal, 1) < 0 && errno == EINTR) {
    }
    std::fprintf(stderr, "nmt-serve: %s: finishing the requests in flight\n", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    service.stop();
  });
  waiter.detach();
  service.run();
  return 0;
}

}  // namespace nmt::serve
