// Model file reading and writing; the format is described in model_file.h.
#include "nmt/models/model_file.h"

#include "nmt/models/bounded_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <streambuf>
#include <system_error>
#include <vector>

namespace nmt {
namespace {


std::atomic<int64_t> g_fail_after_bytes{-1};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ModelFileError("model file '" + path + "': " + what);
}

std::string system_error_text() { return std::strerror(errno); }

// FNV-1a (Fowler, Noll, Vo), taken over 64-bit words for speed, then the tail bytes.
uint64_t checksum(std::string_view bytes) {
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t h = 0xcbf29ce484222325ULL;
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = (h ^ word) * kPrime;
  }
  for (; i < bytes.size(); ++i) h = (h ^ static_cast<unsigned char>(bytes[i])) * kPrime;
  return h;
}

// One saved parameter as read back from a file.
struct SavedParameter {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> values;
};

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::vector<int64_t> dims_of(const Shape& shape) {
  std::vector<int64_t> dims;
  for (int i = 0; i < shape.rank(); ++i) dims.push_back(shape[i]);
  return dims;
}

// Everything in the payload except the parameters' values, in archive order.
struct Contents {
  std::map<std::string, std::string> model_config;
  ModelFileInfo info;
  std::vector<SavedParameter> parameters;
};

std::string encode_payload(const EncoderDecoder& model, const ModelFileInfo& info) {
  std::ostringstream out(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(out);
    std::map<std::string, std::string> config = model.config().to_map();
    std::string normalization = info.normalization.serialize();
    ar << config << info.training_config << normalization << info.subword_model;
    const auto& parameters = model.parameters().all();
    uint64_t count = parameters.size();
    ar << count;
    for (const Parameter& p : parameters) {
      std::string name = p.name();
      std::vector<int64_t> dims = dims_of(p.shape());
      uint64_t n = static_cast<uint64_t>(p.numel());
      ar << name << dims << n;
      ar << boost::serialization::make_array(p.value().f32(), n);
    }
    ar << info.training_state;
  }
  return std::move(out).str();
}

Contents decode_payload(const std::string& path, std::string_view payload) {
  Contents c;
  try {
    BoundedBinaryIArchive ar(payload);  // no length in the file may ask for more than the payload holds
    std::string normalization;
    ar >> c.model_config >> c.info.training_config >> normalization >> c.info.subword_model;
    c.info.normalization = text::NormalizerSettings::deserialize(normalization);
    uint64_t count = 0;
    ar >> count;
    if (count > payload.size()) fail(path, "is corrupt (impossible parameter count " + std::to_string(count) + ")");
    c.parameters.resize(count);
    for (SavedParameter& p : c.parameters) {
      uint64_t n = 0;
      ar >> p.name >> p.dims >> n;
      // The number of values the shape needs, given up as soon as it exceeds what the payload can
      // hold (corrupt dimensions must not overflow the product).
      const uint64_t most = payload.size() / sizeof(float);
      bool possible = p.dims.size() <= Shape::kMaxRank;
      uint64_t expected = 1;
      for (int64_t d : p.dims) {
        possible = possible && d >= 0 && (d == 0 || expected <= most / static_cast<uint64_t>(d));
        if (!possible) break;
        expected *= static_cast<uint64_t>(d);
      }
      if (!possible || expected != n)
        fail(path, "is corrupt (parameter '" + p.name + "' has shape " + shape_text(p.dims) + " but " +
                       std::to_string(n) + " values)");
      p.values.resize(n);
      ar >> boost::serialization::make_array(p.values.data(), n);
    }
    ar >> c.info.training_state;
  } catch (const ModelFileError&) {
    throw;
  } catch (const boost::archive::archive_exception& e) {
    fail(path, std::string("is corrupt (") + e.what() + ")");
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("is corrupt (") + e.what() + ")");
  } catch (const std::length_error& e) {
    fail(path, "is corrupt (impossible length)");
  } catch (const std::bad_alloc&) {
    fail(path, "is corrupt (impossible length)");
  }
  return c;
}

// Throws ModelFileError("<kind> '<path>': ...") with the system's reason.
std::string read_whole_file(const std::string& path, const std::string& kind) {
  auto fail = [&](const std::string&, const std::string& what) { throw ModelFileError(kind + " '" + path + "': " + what); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open: " + system_error_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "is not a regular file");
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t got = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      std::string why = system_error_text();
      ::close(fd);
      fail(path, "cannot read: " + why);
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  ::close(fd);
  bytes.resize(done);
  return bytes;
}

constexpr FileFormat kModelFormat{"NMTMODEL", kModelFileVersion, "model file"};

Contents read_contents(const std::string& path) {
  const FramedFile file = read_framed_file(path, kModelFormat);
  return decode_payload(path, file.payload());
}

void fill_parameters(const std::string& path, Contents& contents, EncoderDecoder& model) {
  ParameterStore& store = model.parameters();
  std::map<std::string, const SavedParameter*> saved;
  for (const SavedParameter& p : contents.parameters) saved[p.name] = &p;
  for (const Parameter& p : store.all())
    if (!saved.count(p.name()))
      fail(path, "has no parameter '" + p.name() + "', which a " + model.config().type +
                     " model with this configuration needs");
  for (const SavedParameter& p : contents.parameters) {
    const Parameter* target = store.find(p.name);
    if (!target)
      fail(path, "has parameter '" + p.name + "', which a " + model.config().type +
                     " model with this configuration does not have");
    std::vector<int64_t> dims = dims_of(target->shape());
    if (dims != p.dims)
      fail(path, "parameter '" + p.name + "' has shape " + shape_text(p.dims) + " in the file but " +
                     shape_text(dims) + " in the model");
  }
  for (const SavedParameter& p : contents.parameters) {
    Parameter* target = const_cast<Parameter*>(store.find(p.name));
    std::memcpy(target->mutable_value().f32(), p.values.data(), p.values.size() * sizeof(float));
  }
}

// Writes everything, retrying short writes. `offset`: bytes of the file written before (for the
// failure hook).
void write_all(int fd, const char* data, std::size_t size, std::size_t offset) {
  int64_t limit = g_fail_after_bytes.load();
  if (limit >= 0) limit = std::max<int64_t>(limit - static_cast<int64_t>(offset), 0);
  std::size_t done = 0;
  while (done < size) {
    std::size_t chunk = std::min<std::size_t>(size - done, 1 << 24);
    if (limit >= 0 && done + chunk > static_cast<std::size_t>(limit)) {
      chunk = static_cast<std::size_t>(limit) > done ? static_cast<std::size_t>(limit) - done : 0;
      if (chunk == 0) {
        errno = ENOSPC;
        throw std::system_error(errno, std::generic_category());
      }
    }
    ssize_t wrote = ::write(fd, data + done, chunk);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) throw std::system_error(errno, std::generic_category());
    done += static_cast<std::size_t>(wrote);
  }
}

// The process's umask, read from /proc (setting and restoring it with umask() would race with
// other threads creating files).
mode_t process_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

}  // namespace

int64_t ModelFileSummary::parameter_count() const {
  int64_t total = 0;
  for (const ParameterShape& p : parameters) {
    int64_t n = 1;
    for (int64_t d : p.dims) n *= d;
    total += n;
  }
  return total;
}

ModelFileSummary inspect_model_file(const std::string& path) {
  const FramedFile file = read_framed_file(path, kModelFormat);
  Contents contents = decode_payload(path, file.payload());
  ModelFileSummary summary;
  summary.format_version = file.version;
  summary.file_bytes = file.bytes.size();
  summary.model_config = std::move(contents.model_config);
  summary.info = std::move(contents.info);
  for (const SavedParameter& p : contents.parameters) summary.parameters.push_back({p.name, p.dims});
  return summary;
}

text::Tokenizer LoadedModel::tokenizer() const {
  if (!vocabulary) throw ModelFileError("the model file holds no subword vocabulary");
  return text::Tokenizer(vocabulary, info.normalization);
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  write_file_atomically(path, std::initializer_list<std::string_view>{bytes});
}

void write_file_atomically(const std::string& path, std::initializer_list<std::string_view> parts) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-XXXXXX";
  std::string temp = (dir / name).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(path, "cannot create a temporary file in '" + dir.string() + "': " + system_error_text());
  try {
    // mkstemp makes the file 0600; a model file gets the permissions any new file would (the umask).
    if (::fchmod(fd, 0666 & ~process_umask()) != 0) throw std::system_error(errno, std::generic_category());
    std::size_t written = 0;
    for (std::string_view part : parts) {
      write_all(fd, part.data(), part.size(), written);
      written += part.size();
    }
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category());
    if (::close(fd) != 0) {
      fd = -1;
      throw std::system_error(errno, std::generic_category());
    }
    fd = -1;
    if (::rename(temp.c_str(), path.c_str()) != 0) throw std::system_error(errno, std::generic_category());
  } catch (const std::system_error& e) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    fail(path, std::string("cannot write: ") + std::strerror(e.code().value()) +
                   " (the previous file, if any, is unchanged)");
  }
  // Make the rename itself durable.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void write_framed_file(const std::string& path, const FileFormat& format, std::string_view payload) {
  std::string header(kFrameHeaderBytes, '\0');
  const uint64_t size = payload.size(), sum = checksum(payload);
  std::memcpy(header.data(), format.magic.data(), 8);
  std::memcpy(header.data() + 8, &format.version, 4);
  std::memcpy(header.data() + 12, &size, 8);
  std::memcpy(header.data() + 20, &sum, 8);
  write_file_atomically(path, {std::string_view(header), payload});
}

FramedFile read_framed_file(const std::string& path, const FileFormat& format) {
  const std::string kind(format.kind);
  auto fail = [&](const std::string& what) -> void { throw ModelFileError(kind + " '" + path + "': " + what); };
  FramedFile file;
  file.bytes = read_whole_file(path, kind);
  const std::string& bytes = file.bytes;
  if (bytes.size() < 8 || std::memcmp(bytes.data(), format.magic.data(), 8) != 0)
    fail("is not an nmt " + kind + " (it does not start with \"" + std::string(format.magic) + "\")");
  if (bytes.size() < kFrameHeaderBytes) fail("is truncated (the header is incomplete)");
  uint64_t size, sum;
  std::memcpy(&file.version, bytes.data() + 8, 4);
  std::memcpy(&size, bytes.data() + 12, 8);
  std::memcpy(&sum, bytes.data() + 20, 8);
  if (file.version > format.version)
    fail("was written by a newer version of the toolkit (format version " + std::to_string(file.version) +
         "; this program reads up to version " + std::to_string(format.version) + ")");
  if (file.version == 0) fail("is corrupt (format version 0)");
  const std::size_t available = bytes.size() - kFrameHeaderBytes;
  if (available < size)
    fail("is truncated (" + std::to_string(bytes.size()) + " bytes; the header announces " +
         std::to_string(kFrameHeaderBytes + size) + ")");
  if (available > size) fail("has " + std::to_string(available - size) + " unexpected bytes after the payload (corrupt)");
  if (checksum(file.payload()) != sum) fail("is corrupt (checksum mismatch)");
  return file;
}

void set_write_failure_for_testing(int64_t after_bytes) { g_fail_after_bytes = after_bytes; }

void save_model(const std::string& path, const EncoderDecoder& model, const ModelFileInfo& info) {
  write_framed_file(path, kModelFormat, encode_payload(model, info));
}

ModelConfig read_model_config(const std::string& path) {
  Contents contents = read_contents(path);
  try {
    return ModelConfig::from_map(contents.model_config);
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("has an invalid model configuration: ") + e.what());
  }
}

ModelFileInfo load_parameters_into(const std::string& path, EncoderDecoder& model) {
  Contents contents = read_contents(path);
  fill_parameters(path, contents, model);
  return std::move(contents.info);
}

LoadedModel load_model(const std::string& path) {
  Contents contents = read_contents(path);
  ModelConfig config;
  try {
    config = ModelConfig::from_map(contents.model_config);
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("has an invalid model configuration: ") + e.what());
  }
  LoadedModel loaded;
  Generator init(1);
  try {
    loaded.model = build_model(config, init);
  } catch (const std::exception& e) {
    fail(path, std::string("describes a model that cannot be built: ") + e.what());
  }
  fill_parameters(path, contents, *loaded.model);
  if (!contents.info.subword_model.empty()) {
    try {
      loaded.vocabulary =
          std::make_shared<const text::SubwordModel>(text::SubwordModel::from_bytes(contents.info.subword_model));
    } catch (const std::exception& e) {
      fail(path, std::string("holds a subword vocabulary that cannot be read: ") + e.what());
    }
  }
  loaded.info = std::move(contents.info);
  return loaded;
}

}  // namespace nmt
