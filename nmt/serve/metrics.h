// Prometheus-style counters and histograms of the translation service (GET /metrics): requests
// and errors per endpoint, sentences, tokens, request latency and batch sizes. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace nmt::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}
  void observe(double value);
  // "name_bucket{le=...} n" lines, _sum and _count, cumulative as Prometheus wants.
  void write(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  void request(const std::string& endpoint, int status);
  void latency(double seconds);
  void translated(uint64_t sentences, uint64_t source_tokens, uint64_t target_tokens);
  void batch(uint64_t sentences, uint64_t tokens);
  // The text exposition format (version 0.0.4), with the process's resident memory.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  uint64_t sentences_ = 0, source_tokens_ = 0, target_tokens_ = 0, batches_ = 0;
  Histogram latency_, batch_sentences_, batch_tokens_;
};

// Resident set size of this process in bytes (/proc/self/status VmRSS); 0 when unknown.
uint64_t resident_memory_bytes();

}  // namespace nmt::serve
