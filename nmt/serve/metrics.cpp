#include "nmt/serve/metrics.h"

#include <cstdio>
#include <fstream>

namespace nmt::serve {

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::write(std::string& out, const std::string& name, const std::string& help) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  char line[256];
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(), bounds_[i],
                  static_cast<unsigned long long>(cumulative));
    out += line;
  }
  std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name.c_str(),
                static_cast<unsigned long long>(count_), name.c_str(), sum_, name.c_str(),
                static_cast<unsigned long long>(count_));
  out += line;
}

Metrics::Metrics()
    : latency_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
      batch_sentences_({1, 2, 4, 8, 16, 32, 64, 128, 256}),
      batch_tokens_({16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}) {}

void Metrics::request(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::latency(double seconds) {
  std::lock_guard lock(mutex_);
  latency_.observe(seconds);
}

void Metrics::translated(uint64_t sentences, uint64_t source_tokens, uint64_t target_tokens) {
  std::lock_guard lock(mutex_);
  sentences_ += sentences;
  source_tokens_ += source_tokens;
  target_tokens_ += target_tokens;
}

void Metrics::batch(uint64_t sentences, uint64_t tokens) {
  std::lock_guard lock(mutex_);
  ++batches_;
  batch_sentences_.observe(static_cast<double>(sentences));
  batch_tokens_.observe(static_cast<double>(tokens));
}

uint64_t resident_memory_bytes() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto counter = [&](const std::string& name, const std::string& help, uint64_t value) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " + std::to_string(value) + "\n";
  };
  out += "# HELP nmt_requests_total HTTP requests answered, by endpoint and status code.\n"
         "# TYPE nmt_requests_total counter\n";
  uint64_t errors = 0;
  for (const auto& [key, n] : requests_) {
    out += "nmt_requests_total{endpoint=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
    if (key.second >= 400) errors += n;
  }
  counter("nmt_request_errors_total", "HTTP requests answered with a 4xx or 5xx status.", errors);
  counter("nmt_sentences_total", "Sentences translated.", sentences_);
  counter("nmt_source_tokens_total", "Source subwords translated.", source_tokens_);
  counter("nmt_target_tokens_total", "Target subwords produced (best hypotheses).", target_tokens_);
  counter("nmt_batches_total", "Search batches run by the batching queue.", batches_);
  latency_.write(out, "nmt_request_duration_seconds", "Time from a request's arrival (its body read) to its answer, API requests.");
  batch_sentences_.write(out, "nmt_batch_sentences", "Sentences per batch of the batching queue.");
  batch_tokens_.write(out, "nmt_batch_tokens", "Source subwords per batch of the batching queue.");
  out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
         "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes " +
         std::to_string(resident_memory_bytes()) + "\n";
  return out;
}

}  // namespace nmt::serve
