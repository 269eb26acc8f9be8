#include "nmt/train/mpi/mpi_communicator.h"

#include <mpi.h>

#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace nmt::train {
namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw std::runtime_error(std::string("MPI: ") + what + " failed: " + std::string(text, length) +
                           " (another rank died or the network failed)");
}

// MPI has no bfloat16 type: the values travel as 16-bit words and this operation sums them as
// floats, rounding each sum back to bfloat16.
extern "C" void sum_bfloat16(void* in, void* inout, int* length, MPI_Datatype*) {
  const auto* a = static_cast<const uint16_t*>(in);
  auto* b = static_cast<uint16_t*>(inout);
  for (int i = 0; i < *length; ++i) b[i] = to_bfloat16(from_bfloat16(a[i]) + from_bfloat16(b[i]));
}

class Mpi final : public Communicator {
 public:
  Mpi(int* argc, char*** argv) {
    int provided = 0;
    check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    MPI_Comm local;
    check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
    MPI_Comm_size(local, &local_size_);
    MPI_Comm_free(&local);
    check(MPI_Op_create(&sum_bfloat16, /*commute=*/1, &sum_bf16_), "MPI_Op_create");
    char host[MPI_MAX_PROCESSOR_NAME];
    int length = 0;
    MPI_Get_processor_name(host, &length);
    const std::vector<std::string> hosts = allgather(std::string(host, length));
    hosts_ = static_cast<int>(std::set<std::string>(hosts.begin(), hosts.end()).size());
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    MPI_Get_library_version(version, &length);
    library_ = std::string(version, length);
    if (auto cut = library_.find_first_of(",\n"); cut != std::string::npos) library_.resize(cut);
  }
  ~Mpi() override {
    for (auto& [handle, request] : requests_) MPI_Request_free(&request);
    MPI_Op_free(&sum_bf16_);
    MPI_Comm_free(&comm_);
    MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const override { return local_size_; }
  std::string describe() const override {
    return "MPI, " + std::to_string(size_) + " ranks on " + std::to_string(hosts_) + " host" +
           (hosts_ > 1 ? "s" : "") + " (" + library_ + ")";
  }

  void allreduce_sum(std::span<double> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
  }
  void allreduce_sum(std::span<float> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_FLOAT, MPI_SUM, comm_), "MPI_Allreduce");
  }
  void allreduce_max(std::span<double> v) override {
    check(MPI_Allreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
  }
  void broadcast(std::span<float> v, int root) override {
    // In pieces: MPI counts are int.
    const std::size_t piece = 1 << 28;
    for (std::size_t at = 0; at < v.size(); at += piece)
      check(MPI_Bcast(v.data() + at, count(std::min(piece, v.size() - at)), MPI_FLOAT, root, comm_), "MPI_Bcast");
  }
  void broadcast(std::string& bytes, int root) override {
    long long n = static_cast<long long>(bytes.size());
    check(MPI_Bcast(&n, 1, MPI_LONG_LONG, root, comm_), "MPI_Bcast");
    bytes.resize(static_cast<std::size_t>(n));
    check(MPI_Bcast(bytes.data(), count(bytes.size()), MPI_CHAR, root, comm_), "MPI_Bcast");
  }
  std::vector<std::string> allgather(const std::string& mine) override {
    int n = count(mine.size());
    std::vector<int> sizes(size_), offsets(size_);
    check(MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm_), "MPI_Allgather");
    long long total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = static_cast<int>(total);
      total += sizes[r];
    }
    if (total > 0x7fffffff) throw std::runtime_error("MPI: allgather of more than 2 GiB");
    std::string all(static_cast<std::size_t>(total), '\0');
    check(MPI_Allgatherv(mine.data(), n, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR, comm_),
          "MPI_Allgatherv");
    std::vector<std::string> out;
    for (int r = 0; r < size_; ++r) out.push_back(all.substr(offsets[r], sizes[r]));
    return out;
  }
  void barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }

  int start_allreduce_sum(std::span<float> v) override {
    MPI_Request request;
    check(MPI_Iallreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_FLOAT, MPI_SUM, comm_, &request),
          "MPI_Iallreduce");
    const int handle = next_handle_++;
    requests_[handle] = request;
    return handle;
  }
  int start_allreduce_sum_bf16(std::span<uint16_t> v) override {
    MPI_Request request;
    check(MPI_Iallreduce(MPI_IN_PLACE, v.data(), count(v.size()), MPI_UINT16_T, sum_bf16_, comm_, &request),
          "MPI_Iallreduce");
    const int handle = next_handle_++;
    requests_[handle] = request;
    return handle;
  }
  bool test(int handle) override {
    auto it = requests_.find(handle);
    if (it == requests_.end()) return true;
    int done = 0;
    check(MPI_Test(&it->second, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) requests_.erase(it);
    return done != 0;
  }
  void wait(int handle) override {
    auto it = requests_.find(handle);
    if (it == requests_.end()) return;
    check(MPI_Wait(&it->second, MPI_STATUS_IGNORE), "MPI_Wait");
    requests_.erase(it);
  }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  static int count(std::size_t n) {
    if (n > 0x7fffffff) throw std::runtime_error("MPI: a message of more than 2^31 elements");
    return static_cast<int>(n);
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Op sum_bf16_ = MPI_OP_NULL;
  int rank_ = 0, size_ = 1, local_size_ = 1, hosts_ = 1;
  std::string library_;
  std::map<int, MPI_Request> requests_;
  int next_handle_ = 1;
};

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(name)) return true;
  return false;
}

std::unique_ptr<Communicator> make_mpi_communicator(int* argc, char*** argv) { return std::make_unique<Mpi>(argc, argv); }

}  // namespace nmt::train
