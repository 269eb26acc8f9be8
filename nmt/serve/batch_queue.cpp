#include "nmt/serve/batch_queue.h"

#include "nmt/tensor/threading.h"

namespace nmt::serve {

BatchQueue::BatchQueue(EncoderDecoder& model, text::Tokenizer tokenizer, SearchOptions base, QueueOptions options,
                       Metrics* metrics)
    : model_(model), tokenizer_(std::move(tokenizer)), base_(base), options_(options), metrics_(metrics) {
  TranslatorOptions t;
  t.search = base_;
  t.batch_size = options_.batch_sentences;
  t.batch_tokens = options_.token_budget;
  t.max_source_length = options_.max_source_length;
  label_translator_ = std::make_unique<Translator>(model_, tokenizer_, t);
  worker_ = std::thread([this] { run(); });
}

BatchQueue::~BatchQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void BatchQueue::active_change(int delta) {
  {
    std::lock_guard lock(mutex_);
    active_ += delta;
  }
  wake_.notify_all();
}

std::future<std::vector<Translation>> BatchQueue::submit(std::vector<std::string> lines, int tokens,
                                                         JobSettings settings) {
  Job job;
  job.lines = std::move(lines);
  job.tokens = tokens;
  job.settings = settings;
  job.arrival = std::chrono::steady_clock::now();
  auto future = job.promise.get_future();
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
  return future;
}

Translator& BatchQueue::translator_for(const JobSettings& s) {
  auto& slot = translators_[s.key()];
  if (!slot) {
    TranslatorOptions t;
    t.search = base_;
    t.search.beam = s.beam;
    t.search.n_best = s.n_best;
    t.search.attention = s.attention;
    t.batch_size = options_.batch_sentences;
    t.batch_tokens = options_.token_budget;  // a request's own lines are searched within the budget too
    t.max_source_length = options_.max_source_length;
    slot = std::make_unique<Translator>(model_, tokenizer_, t);
  }
  return *slot;
}

void BatchQueue::run() {
  // OpenMP's thread count is per thread: this one searches, so it takes the count set for the process.
  set_num_threads(num_threads());
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      // Wait for more jobs until the budget is full, the oldest job has waited long enough, or
      // every active request is already queued.
      const auto deadline = jobs_.front().arrival + options_.max_wait;
      for (;;) {
        const auto key = jobs_.front().settings.key();
        int tokens = 0, queued_requests = 0;
        for (const Job& j : jobs_)
          if (j.settings.key() == key) tokens += j.tokens;
        queued_requests = static_cast<int>(jobs_.size());
        if (stopping_ || tokens >= options_.token_budget || queued_requests >= active_) break;
        if (wake_.wait_until(lock, deadline) == std::cv_status::timeout) break;
      }
      const auto key = jobs_.front().settings.key();
      int tokens = 0;
      for (auto it = jobs_.begin(); it != jobs_.end();) {
        if (it->settings.key() == key && (batch.empty() || tokens + it->tokens <= options_.token_budget)) {
          tokens += it->tokens;
          batch.push_back(std::move(*it));
          it = jobs_.erase(it);
        } else {
          ++it;
        }
      }
    }
    std::vector<std::string> lines;
    int tokens = 0;
    for (Job& j : batch) {
      lines.insert(lines.end(), j.lines.begin(), j.lines.end());
      tokens += j.tokens;
    }
    try {
      std::vector<Translation> all = translator_for(batch.front().settings).translate(lines, "request", 1);
      if (metrics_) metrics_->batch(lines.size(), static_cast<uint64_t>(tokens));
      std::size_t at = 0;
      for (Job& j : batch) {
        std::vector<Translation> mine(std::make_move_iterator(all.begin() + at),
                                      std::make_move_iterator(all.begin() + at + j.lines.size()));
        at += j.lines.size();
        j.promise.set_value(std::move(mine));
      }
    } catch (...) {
      for (Job& j : batch) j.promise.set_exception(std::current_exception());
    }
  }
}

}  // namespace nmt::serve
