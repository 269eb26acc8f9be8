// Classifier model files: see classifier_file.h.
#include "nmt/classify/classifier_file.h"

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "nmt/models/model_file.h"

namespace nmt::classify {
namespace {

constexpr char kMagic[8] = {'N', 'M', 'T', 'C', 'L', 'A', 'S', 'S'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 8 + 8;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ModelFileError("classifier file '" + path + "': " + what);
}

}  // namespace

void save_classifier(const std::string& path, const TrainedClassifier& c) {
  std::ostringstream payload_stream(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(payload_stream);
    std::map<std::string, std::string> variant = c.variant.to_map(), model = c.model->config().to_map();
    std::string name = c.variant.name, encoder = c.encoder.to_bytes();
    ar << name << variant << model << encoder;
    uint64_t count = c.model->parameters().all().size();
    ar << count;
    for (const Parameter& p : c.model->parameters().all()) {
      std::string pname = p.name();
      std::vector<int64_t> dims;
      for (int i = 0; i < p.rank(); ++i) dims.push_back(p.dim(i));
      uint64_t n = static_cast<uint64_t>(p.numel());
      ar << pname << dims << n << boost::serialization::make_array(p.value().f32(), n);
    }
  }
  const std::string payload = std::move(payload_stream).str();
  std::string header(kHeaderBytes, '\0');
  const uint32_t version = kClassifierFileVersion;
  const uint64_t size = payload.size(), sum = payload_checksum(payload);
  std::memcpy(header.data(), kMagic, 8);
  std::memcpy(header.data() + 8, &version, 4);
  std::memcpy(header.data() + 12, &size, 8);
  std::memcpy(header.data() + 20, &sum, 8);
  write_file_atomically(path, {std::string_view(header), std::string_view(payload)});
}

TrainedClassifier load_classifier(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "NMTMODEL", 8) == 0)
    fail(path, "is a translation model file (use nmt-translate), not a classifier");
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    fail(path, "is not an nmt classifier file (it does not start with \"NMTCLASS\")");
  if (bytes.size() < kHeaderBytes) fail(path, "is truncated (the header is incomplete)");
  uint32_t version;
  uint64_t size, sum;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&size, bytes.data() + 12, 8);
  std::memcpy(&sum, bytes.data() + 20, 8);
  if (version == 0 || version > kClassifierFileVersion)
    fail(path, "has format version " + std::to_string(version) + "; this program reads 1 to " +
                   std::to_string(kClassifierFileVersion));
  const std::size_t available = bytes.size() - kHeaderBytes;
  if (available < size) fail(path, "is truncated");
  if (available > size) fail(path, "has " + std::to_string(available - size) + " trailing bytes (corrupt)");
  const std::string payload = bytes.substr(kHeaderBytes);
  if (payload_checksum(payload) != sum) fail(path, "is corrupt (checksum mismatch)");

  TrainedClassifier c;
  try {
    std::istringstream payload_in(payload, std::ios::binary);
    boost::archive::binary_iarchive ar(payload_in);
    std::string name, encoder;
    std::map<std::string, std::string> variant, model;
    ar >> name >> variant >> model >> encoder;
    c.variant = Variant::from_map(name, variant);
    c.variant.model = ClassifierConfig::from_map(model);
    c.encoder = SentenceEncoder::from_bytes(encoder);
    Generator init(1);
    c.model = std::make_unique<Classifier>(c.variant.model, init);
    uint64_t count = 0;
    ar >> count;
    if (count != c.model->parameters().all().size()) fail(path, "holds a different number of parameters than its model");
    for (Parameter& p : c.model->parameters().all()) {
      std::string pname;
      std::vector<int64_t> dims;
      uint64_t n = 0;
      ar >> pname >> dims >> n;
      if (pname != p.name() || n != static_cast<uint64_t>(p.numel()))
        fail(path, "parameter '" + pname + "' does not match the model's '" + p.name() + "'");
      ar >> boost::serialization::make_array(p.mutable_value().f32(), n);
    }
  } catch (const ModelFileError&) {
    throw;
  } catch (const std::exception& e) {
    fail(path, std::string("is corrupt (") + e.what() + ")");
  }
  return c;
}

}  // namespace nmt::classify
