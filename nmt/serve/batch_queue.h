// The batching queue of the translation service: sentences from concurrent requests are searched
// together. One worker thread per model takes the waiting jobs that share search settings (beam,
// n-best, attention) and searches them as one batch, closed when its source subwords reach the
// token budget, when the oldest job has waited max_wait, or at once when every request that is
// being translated is already waiting in the queue (nobody else can join: a lone request gets
// batch-1 latency). Each search call within a batch also holds at most the token budget in padded
// source subwords (TranslatorOptions::batch_tokens), so a request of many long lines cannot pad
// one huge search either. Results do not depend on the batching (nmt/search/search.h), so a sentence
// gets the same translation alone or with others.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "nmt/search/translator.h"
#include "nmt/serve/metrics.h"

namespace nmt::serve {

struct QueueOptions {
  int token_budget = 2048;                      // source subwords per batch (at least one job)
  std::chrono::microseconds max_wait{5000};     // longest wait for more jobs
  int batch_sentences = 64;                     // sentences per search call
  int max_source_length = 0;                    // TranslatorOptions::max_source_length
};

// Search settings a request may choose; jobs are batched only with jobs of equal settings.
struct JobSettings {
  int beam = 5;
  int n_best = 1;
  bool attention = false;
  auto key() const { return std::tuple(beam, n_best, attention); }
};

class BatchQueue {
 public:
  BatchQueue(EncoderDecoder& model, text::Tokenizer tokenizer, SearchOptions base, QueueOptions options,
             Metrics* metrics);
  ~BatchQueue();  // finishes the jobs already queued, then stops
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // Queues the lines; the future holds one Translation per line (or the search's exception).
  // `tokens` is their source length in subwords (for the budget).
  std::future<std::vector<Translation>> submit(std::vector<std::string> lines, int tokens, JobSettings settings);

  // Requests that will submit (or have submitted) work and are not answered yet: the worker does
  // not wait for more jobs when all of them are already queued. Callers bracket with Active.
  class Active {
   public:
    explicit Active(BatchQueue& q) : q_(q) { q_.active_change(+1); }
    ~Active() { q_.active_change(-1); }
    Active(const Active&) = delete;
    Active& operator=(const Active&) = delete;

   private:
    BatchQueue& q_;
  };

  // The tokenizer (thread-safe) and a translator for labels/detokenising.
  const Translator& labels() const { return *label_translator_; }

 private:
  struct Job {
    std::vector<std::string> lines;
    int tokens = 0;
    JobSettings settings;
    std::chrono::steady_clock::time_point arrival;
    std::promise<std::vector<Translation>> promise;
  };
  void active_change(int delta);
  void run();
  Translator& translator_for(const JobSettings& s);

  EncoderDecoder& model_;
  text::Tokenizer tokenizer_;
  SearchOptions base_;
  QueueOptions options_;
  Metrics* metrics_;
  std::unique_ptr<Translator> label_translator_;
  std::map<std::tuple<int, int, bool>, std::unique_ptr<Translator>> translators_;  // worker only

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  int active_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace nmt::serve
