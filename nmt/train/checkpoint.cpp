#include "nmt/train/checkpoint.h"

#include <algorithm>
#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/array.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "nmt/models/bounded_archive.h"

namespace boost::serialization {

template <class Archive>
void serialize(Archive& ar, nmt::optim::OptimizerState& s, const unsigned) {
  ar & s.algorithm & s.steps & s.learning_rate & s.names & s.slots & s.buffers;
}
template <class Archive>
void serialize(Archive& ar, nmt::train::ValidationRecord& r, const unsigned) {
  ar & r.update & r.epoch & r.loss & r.perplexity & r.bleu & r.best;
}
template <class Archive>
void serialize(Archive& ar, nmt::train::LearningRateSchedule::State& s, const unsigned) {
  ar & s.reductions & s.bad_validations;
}

}  // namespace boost::serialization

namespace nmt {
// A validation record is stored as its six fields, one after the other (bounded_archive.h).
template <>
struct SerializedBytesAtLeast<train::ValidationRecord> {
  static constexpr std::size_t value = 5 * sizeof(int64_t) + 1;
};
}  // namespace nmt

namespace nmt::train {
namespace {

constexpr uint32_t kStateVersion = 1;
// Marks the bytes as a training state before any length inside them is trusted.
constexpr std::string_view kStateMagic = "NMTSTATE";

template <class Archive, class State>
void fields(Archive& ar, State& s) {
  ar & s.optimizer & s.updates & s.batcher & s.global_generator & s.dropout_generator & s.schedule;
  ar & s.has_best & s.best_metric & s.validations_without_improvement & s.history;
  ar & s.elapsed_seconds & s.target_tokens;
}

}  // namespace

std::string TrainingState::serialize() const {
  std::ostringstream out(std::ios::binary);
  out << kStateMagic;
  {
    boost::archive::binary_oarchive ar(out);
    uint32_t version = kStateVersion;
    ar << version;
    fields(ar, const_cast<TrainingState&>(*this));
  }
  return std::move(out).str();
}

TrainingState TrainingState::deserialize(std::string_view bytes) {
  if (bytes.empty()) throw std::invalid_argument("it holds no training state (a model file, not a checkpoint)");
  if (bytes.substr(0, kStateMagic.size()) != kStateMagic)
    throw std::invalid_argument("its training state is corrupt (no NMTSTATE marker)");
  bytes.remove_prefix(kStateMagic.size());
  TrainingState s;
  try {
    BoundedIArchive ar(bytes);  // lengths checked against the bytes left before any allocation
    uint32_t version = 0;
    ar >> version;
    if (version != kStateVersion)
      throw std::invalid_argument("its training state has version " + std::to_string(version) + ", expected " +
                                  std::to_string(kStateVersion));
    fields(ar, s);
  } catch (const ArchiveLengthError& e) {
    throw std::invalid_argument(std::string("its training state is corrupt (") + e.what() + ")");
  } catch (const boost::archive::archive_exception& e) {
    throw std::invalid_argument(std::string("its training state is corrupt (") + e.what() + ")");
  } catch (const std::bad_alloc&) {
    throw std::invalid_argument("its training state is corrupt (impossible length)");
  } catch (const std::length_error&) {
    throw std::invalid_argument("its training state is corrupt (impossible length)");
  }
  return s;
}

std::filesystem::path checkpoint_path(const std::filesystem::path& dir, int64_t update) {
  char name[64];
  std::snprintf(name, sizeof name, "checkpoint-%08lld.bin", static_cast<long long>(update));
  return dir / name;
}

std::vector<std::pair<int64_t, std::filesystem::path>> list_checkpoints(const std::filesystem::path& dir) {
  std::vector<std::pair<int64_t, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 23 || name.rfind("checkpoint-", 0) != 0 || name.substr(19) != ".bin") continue;
    const std::string digits = name.substr(11, 8);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    found.emplace_back(std::stoll(digits), entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

void prune_checkpoints(const std::filesystem::path& dir, int keep) {
  auto found = list_checkpoints(dir);
  const std::size_t k = static_cast<std::size_t>(std::max(keep, 1));
  for (std::size_t i = 0; i + k < found.size(); ++i) {
    std::error_code ec;
    std::filesystem::remove(found[i].second, ec);
  }
}

}  // namespace nmt::train
