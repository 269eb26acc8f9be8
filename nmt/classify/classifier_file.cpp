// Classifier model files: see classifier_file.h.
#include "nmt/classify/classifier_file.h"

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "nmt/models/bounded_archive.h"
#include "nmt/models/model_file.h"

namespace nmt::classify {
namespace {

constexpr FileFormat kClassifierFormat{"NMTCLASS", kClassifierFileVersion, "classifier file"};

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
  write_framed_file(path, kClassifierFormat, std::move(payload_stream).str());
}

TrainedClassifier load_classifier(const std::string& path) {
  {  // a translation model given by mistake gets a message that says so
    char magic[8] = {};
    std::ifstream(path, std::ios::binary).read(magic, 8);
    if (std::memcmp(magic, "NMTMODEL", 8) == 0)
      fail(path, "is a translation model file (use nmt-translate), not a classifier");
  }
  const FramedFile file = read_framed_file(path, kClassifierFormat);

  TrainedClassifier c;
  try {
    BoundedIArchive ar(file.payload());  // lengths checked against the bytes left before any allocation
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
