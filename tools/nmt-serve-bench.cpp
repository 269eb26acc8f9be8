// nmt-serve-bench: a load test of a running nmt-serve, on loopback only. For each number of
// concurrent clients (--clients 1,8,64), each client sends --requests requests one after the
// other over its own keep-alive connection, one sentence each (lines of -i FILE, round robin),
// to LibreTranslate's POST /translate. Prints a Markdown table: throughput, p50/p99 latency,
// errors, and the server's resident memory (its /metrics) before the first and after each round.
// Bounded: --max-seconds stops sending (the round is marked "cut").
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "command_line.h"
#include "version_option.h"

using nlohmann::json;

namespace {

double server_rss_mb(const std::string& host, int port) {
  httplib::Client c(host, port);
  c.set_read_timeout(10);
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) return -1;
  const auto at = r->body.find("\nprocess_resident_memory_bytes ");
  return at == std::string::npos ? -1 : std::stod(r->body.substr(at + 31)) / (1024.0 * 1024.0);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  if (nmt::tools::answered_version(argc, argv, "nmt-serve-bench")) return 0;
  std::string host = "127.0.0.1", input;
  int port = 0, requests = 100, max_seconds = 600;
  std::vector<int> clients{1, 8, 64};
  const char* usage =
      "usage: nmt-serve-bench --port P -i SENTENCES [--clients 1,8,64] [--requests N] [--max-seconds S]\n"
      "  load test of nmt-serve on 127.0.0.1: N requests per client, one sentence each\n";
  try {
    nmt::tools::CommandLine cl(argc, argv);
    while (!cl.empty()) {
      const std::string a = cl.next();
      if (a == "--port") port = cl.positive_integer(a);
      else if (a == "--host") host = cl.value(a);
      else if (a == "-i" || a == "--input") input = cl.value(a);
      else if (a == "--requests") requests = cl.positive_integer(a);
      else if (a == "--max-seconds") max_seconds = cl.positive_integer(a);
      else if (a == "--clients") {
        clients.clear();
        std::istringstream list(cl.value(a));
        for (std::string n; std::getline(list, n, ',');) {
          if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) < 1)
            throw nmt::tools::UsageError("--clients needs positive numbers separated by commas, not '" + n + "'");
          clients.push_back(std::stoi(n));
        }
      } else if (a == "-h" || a == "--help") {
        std::cout << usage;
        return 0;
      } else throw nmt::tools::CommandLine::unknown(a);
    }
    if (port == 0 || input.empty()) throw nmt::tools::UsageError("--port and -i are required");
    if (host != "127.0.0.1" && host != "localhost" && host != "::1")
      throw nmt::tools::UsageError("loopback only: --host must be 127.0.0.1, localhost or ::1");
  } catch (const nmt::tools::UsageError& e) {
    std::cerr << "nmt-serve-bench: " << e.what() << "\n" << usage;
    return 2;
  }
  std::vector<std::string> sentences;
  {
    std::ifstream in(input);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) sentences.push_back(line);
  }
  if (sentences.empty()) {
    std::cerr << "nmt-serve-bench: no sentences in '" << input << "'\n";
    return 1;
  }
  const double rss_start = server_rss_mb(host, port);
  if (rss_start < 0) {
    std::cerr << "nmt-serve-bench: no nmt-serve answers /metrics on " << host << ":" << port << "\n";
    return 1;
  }
  std::printf("server RSS before: %.1f MB\n\n", rss_start);
  std::printf("| clients | requests | seconds | requests/s | p50 ms | p99 ms | errors | server RSS after, MB |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds);
  long total_errors = 0;
  for (int n : clients) {
    std::vector<std::vector<double>> latencies(n);
    std::atomic<long> errors{0}, done{0};
    std::atomic<bool> cut{false};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < n; ++c)
      threads.emplace_back([&, c] {
        httplib::Client client(host, port);
        client.set_keep_alive(true);
        client.set_tcp_nodelay(true);  // else Nagle holds the body back for the server's delayed ACK
        client.set_read_timeout(60);
        for (int i = 0; i < requests; ++i) {
          if (std::chrono::steady_clock::now() > deadline) {
            cut = true;
            return;
          }
          const std::string& q = sentences[(static_cast<std::size_t>(c) * 7919 + i) % sentences.size()];
          const std::string body = json{{"q", q}, {"source", "de"}, {"target", "en"}}.dump();
          const auto t0 = std::chrono::steady_clock::now();
          auto r = client.Post("/translate", body, "application/json");
          latencies[c].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
          if (!r || r->status != 200) {
            if (errors++ < 5)
              std::fprintf(stderr, "nmt-serve-bench: request failed: %s\n",
                           r ? ("HTTP " + std::to_string(r->status) + " " + r->body).c_str() : httplib::to_string(r.error()).c_str());
          }
          ++done;
        }
      });
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::printf("| %d | %ld%s | %.2f | %.1f | %.1f | %.1f | %ld | %.1f |\n", n, done.load(), cut ? " (cut)" : "", seconds,
                static_cast<double>(done) / seconds, percentile(all, 0.5), percentile(all, 0.99), errors.load(),
                server_rss_mb(host, port));
    std::fflush(stdout);
    total_errors += errors;
  }
  return total_errors == 0 ? 0 : 1;
}
