// nmt-serve's APIs against a running server: every endpoint, every refusal, the attention matrix
// equal to nmt-translate --attention's, batched results equal to lone ones, the API key, SIGTERM.
#include <cmath>
#include <cstdio>
#include <future>
#include <sstream>
#include <thread>

#include "server.h"

using namespace nmt::serve_test;

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

std::string translate_tool(const std::vector<std::string>& options, const std::string& input) {
  std::vector<std::string> argv{kTranslate, "-m", model_path(), "--threads", "1"};
  argv.insert(argv.end(), options.begin(), options.end());
  const auto r = nmt::testing::run_tool(argv, input);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  return r.out;
}

}  // namespace

TEST_CASE("GET /health, /v1/models, /languages, /translator/models, /metrics, /") {
  Server& s = shared_server();
  auto c = s.client();
  auto health = c.Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(json::parse(health->body)["status"] == "ok");
  auto models = c.Get("/v1/models");
  REQUIRE(models);
  const json m = json::parse(models->body);
  REQUIRE(m.size() == 1);
  CHECK(m[0]["name"] == "tiny");
  CHECK(m[0]["source"] == "de");
  CHECK(m[0]["target"] == "en");
  CHECK(m[0]["type"] == "transformer");
  CHECK(m[0]["parameters"].get<long long>() > 1000);
  CHECK(m[0]["vocabulary"].get<int>() == 600);
  CHECK(m[0]["architecture"]["d_model"] == "32");
  auto languages = c.Get("/languages");
  REQUIRE(languages);
  CHECK(json::parse(languages->body) == json::parse(R"([{"code":"de","name":"German","targets":["en"]}])"));
  auto onmt = c.Get("/translator/models");
  REQUIRE(onmt);
  CHECK(json::parse(onmt->body)[0]["model_id"] == 100);
  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").find("text/html") == 0);
  CHECK(page->body.find("/v1/translate") != std::string::npos);
  CHECK(page->body.find("http://") == std::string::npos);  // no CDN: nothing loaded from elsewhere
  CHECK(page->body.find("https://") == std::string::npos);
  int status = 0;
  post(s, "/translate", R"({"q": "Ein Hund.", "source": "de", "target": "en"})", status);
  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  for (const char* name : {"nmt_requests_total{endpoint=\"/translate\",code=\"200\"}", "nmt_request_errors_total",
                           "nmt_sentences_total", "nmt_source_tokens_total", "nmt_target_tokens_total",
                           "nmt_request_duration_seconds_bucket{le=\"0.01\"}", "nmt_batch_sentences_bucket",
                           "process_resident_memory_bytes"})
    CHECK_MESSAGE(metrics->body.find(name) != std::string::npos, name);
}

TEST_CASE("LibreTranslate's /translate: a string or a list, alternatives, auto; answers as nmt-translate") {
  Server& s = shared_server();
  const auto lines = flickr(3);
  const auto expected = split(translate_tool({"--beam", "5"}, lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n"), '\n');
  int status = 0;
  json r = post(s, "/translate", json{{"q", lines[0]}, {"source", "de"}, {"target", "en"}}.dump(), status);
  CHECK(status == 200);
  CHECK(r["translatedText"] == expected[0]);
  r = post(s, "/translate", json{{"q", lines}, {"source", "auto"}, {"target", "en"}, {"format", "text"}}.dump(), status);
  CHECK(status == 200);
  CHECK(r["translatedText"] == json(expected));
  CHECK(r["detectedLanguage"][0]["language"] == "de");
  r = post(s, "/translate", json{{"q", lines[0]}, {"source", "de"}, {"target", "en"}, {"alternatives", 2}}.dump(), status);
  CHECK(status == 200);
  CHECK(r["alternatives"].size() == 2);
}

TEST_CASE("OpenNMT-py's /translator/translate") {
  Server& s = shared_server();
  const auto lines = flickr(2);
  const auto expected = split(translate_tool({"--beam", "5"}, lines[0] + "\n" + lines[1] + "\n"), '\n');
  int status = 0;
  const json r = post(s, "/translator/translate",
                      json::array({{{"src", lines[0]}, {"id", 100}}, {{"src", lines[1]}, {"id", 100}}}).dump(), status);
  CHECK(status == 200);
  REQUIRE(r.size() == 1);  // one list per n-best rank
  REQUIRE(r[0].size() == 2);
  CHECK(r[0][0]["src"] == lines[0]);
  CHECK(r[0][0]["tgt"] == expected[0]);
  CHECK(r[0][1]["tgt"] == expected[1]);
  CHECK(r[0][0]["n_best"] == 1);
  CHECK(r[0][0]["pred_score"].is_number());
  post(s, "/translator/translate", R"([{"src": "Hallo", "id": 7}])", status);
  CHECK(status == 400);
}

TEST_CASE("/v1/translate: n-best, alignment and the attention matrix equal nmt-translate's") {
  Server& s = shared_server();
  const auto lines = flickr(4);
  std::string input;
  for (const auto& l : lines) input += l + "\n";
  const auto nbest_lines = split(translate_tool({"--beam", "4", "--n-best", "3", "--alignment", "--attention"}, input), '\n');
  int status = 0;
  const json r = post(s, "/v1/translate",
                      json{{"text", lines}, {"beam", 4}, {"n_best", 3}, {"alignment", true}, {"attention", true}}.dump(), status);
  REQUIRE(status == 200);
  CHECK(r["model"] == "tiny");
  REQUIRE(r["translations"].size() == lines.size());
  // nmt-translate: "id ||| text ||| features ||| score ||| alignment ||| attention", 3 lines per sentence.
  REQUIRE(nbest_lines.size() == 3 * lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json& t = r["translations"][i];
    REQUIRE(t["n_best"].size() == 3);
    for (int k = 0; k < 3; ++k) {
      const std::string& line = nbest_lines[3 * i + k];
      std::vector<std::string> fields;
      for (std::size_t at = 0;;) {
        const auto bar = line.find(" ||| ", at);
        fields.push_back(line.substr(at, bar == std::string::npos ? std::string::npos : bar - at));
        if (bar == std::string::npos) break;
        at = bar + 5;
      }
      REQUIRE(fields.size() == 6);
      CHECK(t["n_best"][k]["text"] == fields[1]);
      char score[32];
      std::snprintf(score, sizeof score, "%.4f", t["n_best"][k]["log_probability"].get<double>());
      CHECK(fields[2].starts_with("LogProb= " + std::string(score) + " Length= "));
      std::snprintf(score, sizeof score, "%.4f", t["n_best"][k]["score"].get<double>());
      CHECK(fields[3] == score);
      if (k > 0) continue;
      CHECK(t["text"] == fields[1]);
      std::string alignment;
      for (const json& p : t["alignment"]) alignment += (alignment.empty() ? "" : " ") + std::to_string(p[0].get<int>()) + "-" + std::to_string(p[1].get<int>());
      CHECK(alignment == fields[4]);
      std::string attention;
      const json& rows = t["attention"];
      CHECK(rows.size() == t["target_tokens"].size());
      for (std::size_t row = 0; row < rows.size(); ++row) {
        CHECK(rows[row].size() == t["source_tokens"].size());
        if (row) attention += ' ';
        for (std::size_t col = 0; col < rows[row].size(); ++col) {
          char w[32];
          std::snprintf(w, sizeof w, "%.3f", rows[row][col].get<double>());
          attention += (col ? "," : "") + std::string(w);
        }
      }
      CHECK(attention == fields[5]);
    }
  }
  // An empty line: an empty translation.
  const json e = post(s, "/v1/translate", R"({"text": ["", "Ein Hund."]})", status);
  CHECK(status == 200);
  CHECK(e["translations"][0]["text"] == "");
}

TEST_CASE("sentences of concurrent requests are batched together and translated as when alone") {
  Server s({"--batch-wait-us", "200000"}, "batching");
  const auto lines = flickr(24);
  std::vector<std::string> alone;
  for (const auto& l : lines) {
    int status = 0;
    alone.push_back(post(s, "/v1/translate", json{{"text", l}, {"beam", 3}}.dump(), status)["translations"][0]["text"]);
    REQUIRE(status == 200);
  }
  std::vector<std::future<std::string>> answers;
  for (const auto& l : lines)
    answers.push_back(std::async(std::launch::async, [&s, l] {
      auto c = s.client();
      auto r = c.Post("/v1/translate", json{{"text", l}, {"beam", 3}}.dump(), "application/json");
      return r && r->status == 200 ? json::parse(r->body)["translations"][0]["text"].get<std::string>() : std::string("<error>");
    }));
  for (std::size_t i = 0; i < lines.size(); ++i) CHECK(answers[i].get() == alone[i]);
  // Some batch held more than one sentence.
  auto metrics = s.client().Get("/metrics");
  REQUIRE(metrics);
  const auto at = metrics->body.find("nmt_batch_sentences_bucket{le=\"1\"} ");
  const auto count_at = metrics->body.find("nmt_batch_sentences_count ");
  REQUIRE(at != std::string::npos);
  const long single = std::stol(metrics->body.substr(at + 35));
  const long batches = std::stol(metrics->body.substr(count_at + 26));
  CHECK(batches < static_cast<long>(2 * lines.size()));
  CHECK(single < batches);
  CHECK(s.terminate(20) == 0);
}

TEST_CASE("refusals: a 4xx JSON error naming the problem, and the service goes on") {
  Server& s = shared_server();
  struct Case {
    std::string path, body;
    int status;
    std::string names;
  };
  std::string long_sentence(1001, 'a');
  const std::vector<Case> cases{
      {"/v1/translate", "{\"text\": ", 400, "malformed JSON"},
      {"/v1/translate", "[1, 2]", 400, "JSON object"},
      {"/v1/translate", R"({"txt": "Hallo"})", 400, "'text' is missing"},
      {"/v1/translate", R"({"text": 5})", 400, "'text' must be a string"},
      {"/v1/translate", R"({"text": ["a", 5]})", 400, "'text' must be a string"},
      {"/v1/translate", R"({"text": "a", "beam": "five"})", 400, "'beam' must be an integer"},
      {"/v1/translate", R"({"text": "a", "beam": 0})", 400, "'beam' must be between"},
      {"/v1/translate", R"({"text": "a", "beam": 2, "n_best": 3})", 400, "'n_best' must be between"},
      {"/v1/translate", R"({"text": "a", "attention": "yes"})", 400, "'attention' must be true or false"},
      {"/v1/translate", R"({"text": "a", "model": "nope"})", 400, "unknown model 'nope'"},
      {"/v1/translate", "{\"text\": \"Ein Hund\xff\"}", 400, "not valid UTF-8"},
      {"/v1/translate", json{{"text", long_sentence}}.dump(), 400, "at most 1000"},
      {"/translate", R"({"q": "Hallo", "source": "fr", "target": "en"})", 400, "no model translates fr to en"},
      {"/translate", R"({"q": "Hallo", "source": "de", "target": "en", "format": "html"})", 400, "format 'html'"},
      {"/translate", R"({"source": "de", "target": "en"})", 400, "'q' is missing"},
      {"/translator/translate", R"({"src": "Hallo"})", 400, "JSON list"},
      {"/translator/translate", R"([{"source": "Hallo"}])", 400, "'src' must be a string"},
      {"/nowhere", "{}", 404, "no such endpoint"},
  };
  for (const Case& c : cases) {
    int status = 0;
    const json r = post(s, c.path, c.body, status);
    INFO(c.path << " " << c.body);
    CHECK(status == c.status);
    REQUIRE(r.is_object());
    CHECK_MESSAGE(r["error"].get<std::string>().find(c.names) != std::string::npos, r["error"]);
  }
  // Too many sentences, too large a body.
  int status = 0;
  post(s, "/v1/translate", json{{"text", std::vector<std::string>(129, "Hund")}}.dump(), status);
  CHECK(status == 400);
  const json big = post(s, "/v1/translate", json{{"text", std::string(2 << 20, 'a')}}.dump(), status);
  CHECK(status == 413);
  CHECK(big["error"].get<std::string>().find("too large") != std::string::npos);
  const json ok = post(s, "/translate", R"({"q": "Ein Hund.", "source": "de", "target": "en"})", status);
  CHECK(status == 200);
  CHECK(ok["translatedText"].is_string());
}

TEST_CASE("--api-key: 401 without it, on every endpoint; accepted as header, bearer, parameter or JSON field") {
  Server s({"--api-key", "sesame"}, "api-key");
  auto c = s.client();
  for (const char* path : {"/health", "/v1/models", "/metrics", "/"}) {
    auto r = c.Get(path);
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 401, path);
  }
  int status = 0;
  const json refused = post(s, "/translate", R"({"q": "Hallo", "source": "de", "target": "en"})", status);
  CHECK(status == 401);
  CHECK(refused["error"].get<std::string>().find("API key") != std::string::npos);
  post(s, "/v1/translate", "not json", status);
  CHECK(status == 401);
  post(s, "/translate", R"({"q": "Hallo", "source": "de", "target": "en", "api_key": "sesame"})", status);
  CHECK(status == 200);
  post(s, "/v1/translate", R"({"text": "Hallo"})", status, {{"X-API-Key", "sesame"}});
  CHECK(status == 200);
  post(s, "/v1/translate", R"({"text": "Hallo"})", status, {{"Authorization", "Bearer sesame"}});
  CHECK(status == 200);
  auto health = c.Get("/health?api_key=sesame");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(s.terminate(20) == 0);
}

TEST_CASE("SIGTERM: the requests in flight are answered, then exit 0") {
  Server s({"--batch-wait-us", "0"}, "sigterm");
  std::string many;
  json text = json::array();
  for (const auto& l : flickr(64)) text.push_back(l);
  auto answer = std::async(std::launch::async, [&s, &text] {
    auto c = s.client();
    auto r = c.Post("/v1/translate", json{{"text", text}, {"beam", 8}}.dump(), "application/json");
    return r ? r->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the request is being translated
  const int exit_status = s.terminate(30);
  CHECK(answer.get() == 200);
  CHECK(exit_status == 0);
  CHECK(s.log().find("SIGTERM") != std::string::npos);
}

TEST_CASE("nmt-serve: bad options exit 2 naming the problem; it binds 127.0.0.1 by default") {
  const auto r = nmt::testing::run_tool({kServe}, "");
  CHECK(r.status == 2);
  CHECK(r.err.find("--model") != std::string::npos);
  const auto missing = nmt::testing::run_tool({kServe, "-m", scratch() + "/no-such.model", "--port", "0"}, "");
  CHECK(missing.status == 1);
  CHECK(missing.err.find("no-such.model") != std::string::npos);
  const auto help = nmt::testing::run_tool({kServe, "--help"}, "");
  CHECK(help.status == 0);
  CHECK(help.out.find("127.0.0.1") != std::string::npos);
}
