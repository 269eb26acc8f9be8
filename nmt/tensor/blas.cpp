#include "nmt/tensor/blas.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "nmt/tensor/gemm_bf16.h"
#include "nmt/tensor/gemm_int8.h"
#include "nmt/tensor/kernel_dispatch.h"

extern "C" void openblas_set_num_threads(int);

namespace nmt::blas {

// Threading: we split GEMMs over OpenMP threads ourselves and let each thread call OpenBLAS on
// its block (inside a parallel region OpenBLAS runs single-threaded). OpenBLAS's own threaded
// driver allocates a job array on every call, and its threads are a second pool beside ours;
// splitting the larger of M and N in contiguous blocks keeps every element's sum over K in the
// same order, so the result does not depend on the thread count.
namespace {

// Below this many multiply-adds a GEMM runs on one thread: waking threads costs more.
constexpr int64_t kParallelWork = int64_t{1} << 18;

void gemm_block(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

// We split the work over the threads ourselves: OpenBLAS runs single-threaded. Called first by
// gemm and gemm_batched, outside any parallel region.
void make_openblas_single_threaded() {
  static const bool done = [] {
    // OpenBLAS's OpenMP build sets OpenMP's thread count too: keep ours.
    const int threads = omp_get_max_threads();
    openblas_set_num_threads(1);
    omp_set_num_threads(threads);
    return true;
  }();
  (void)done;
}

// The two shapes of attention's per-sentence products, as plain loops: OpenBLAS packs both
// operands on every call, which costs more than the arithmetic when one side is a vector.
// In both, every operand is contiguous whatever the transposition flags say (a vector's stride
// is 1 either way), except B in the row case.

// c[1, N] = alpha a[1, K] op(B)[K, N] + beta c  (a query against a sentence: attention's context,
// or the gradient of its weights when B is transposed).
NMT_KERNEL void row_times_matrix(bool trans_b, int64_t n, int64_t k, float alpha, const float* a, const float* b,
                                 float beta, float* c) {
  if (trans_b) {  // B is stored [N, K]: dot products
    for (int64_t j = 0; j < n; ++j) {
      const float* bj = b + j * k;
      float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int64_t p = 0; p < k; ++p) dot += a[p] * bj[p];
      c[j] = beta == 0.0f ? alpha * dot : alpha * dot + beta * c[j];
    }
    return;
  }
  if (beta == 0.0f)
    for (int64_t j = 0; j < n; ++j) c[j] = 0.0f;
  else if (beta != 1.0f)
    for (int64_t j = 0; j < n; ++j) c[j] *= beta;
  for (int64_t p = 0; p < k; ++p) {  // rows of B scaled and added: B is read once, in order
    const float s = alpha * a[p];
    const float* bp = b + p * n;
    for (int64_t j = 0; j < n; ++j) c[j] += s * bp[j];
  }
}

// C[M, N] = alpha a[M] b[N]^T + beta C  (K = 1: the gradient of attention's values).
NMT_KERNEL void outer_product(int64_t m, int64_t n, float alpha, const float* a, const float* b, float beta,
                              float* c) {
  for (int64_t i = 0; i < m; ++i) {
    const float s = alpha * a[i];
    float* ci = c + i * n;
    if (beta == 0.0f)
      for (int64_t j = 0; j < n; ++j) ci[j] = s * b[j];
    else
      for (int64_t j = 0; j < n; ++j) ci[j] = s * b[j] + beta * ci[j];
  }
}

// One product of a batch: the vector shapes by the loops above, the rest by OpenBLAS.
void gemm_item(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c) {
  if (k == 1)
    outer_product(m, n, alpha, a, b, beta, c);
  else if (m == 1)
    row_times_matrix(tb, n, k, alpha, a, b, beta, c);
  else
    gemm_block(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
}

void gemm_fp32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               const float* b, float beta, float* c);

std::atomic<Precision> current_precision{Precision::fp32};

std::atomic<int64_t> flops_fp32{0}, flops_bf16{0}, flops_int8{0};
void count(std::atomic<int64_t>& counter, int64_t m, int64_t n, int64_t k) {
  counter.fetch_add(2 * m * n * k, std::memory_order_relaxed);
}

// bf16 copies of parameters, valid while a ParameterScope is open; one set per thread that runs
// ops (never used inside a parallel region). A closed scope keeps the buffers for the next.
struct ParameterCopy {
  const float* data = nullptr;
  bool trans = false;
  int64_t k = 0, n = 0;
  bool valid = false;
  bf16::PackedB packed;
};
struct ParameterCopies {
  int open_scopes = 0;
  std::vector<ParameterCopy> copies;

  const bf16::PackedB& get(bool trans_b, int64_t k, int64_t n, const float* b) {
    ParameterCopy* spare = nullptr;
    for (ParameterCopy& copy : copies) {
      if (copy.valid && copy.data == b && copy.trans == trans_b && copy.k == k && copy.n == n) return copy.packed;
      if (!copy.valid && !spare) spare = &copy;
    }
    if (!spare) spare = &copies.emplace_back();
    bf16::pack_b(trans_b, k, n, b, trans_b ? k : n, spare->packed);
    spare->data = b;
    spare->trans = trans_b;
    spare->k = k;
    spare->n = n;
    spare->valid = true;
    return spare->packed;
  }
};
thread_local ParameterCopies parameter_copies;

// The bf16 product: B converted (or its copy found), then the rows or the panels of columns
// split over the threads as gemm does for OpenBLAS.
void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               const float* b, float beta, float* c, Operand b_kind) {
  const bool in_parallel = omp_in_parallel();
  thread_local bf16::PackedB scratch;
  const bf16::PackedB* packed = &scratch;
  if (b_kind == Operand::parameter && parameter_copies.open_scopes > 0 && !in_parallel)
    packed = &parameter_copies.get(trans_b, k, n, b);
  else
    bf16::pack_b(trans_b, k, n, b, trans_b ? k : n, scratch);
  const int64_t lda = trans_a ? m : k;
  const int64_t panels = (n + bf16::kPanelColumns - 1) / bf16::kPanelColumns;
  const int threads = in_parallel ? 1 : omp_get_max_threads();
  const int64_t row_units = (m + 7) / 8;  // the kernel's tiles are 8 rows by one panel
  const bool split_rows = row_units >= panels;
  const int64_t extent = split_rows ? row_units : panels;
  const int64_t parts = std::min<int64_t>(threads, extent);
  if (parts <= 1 || m * n * k < kParallelWork) {
    bf16::gemm_packed(trans_a, 0, m, 0, panels, alpha, a, lda, *packed, beta, c, n);
    return;
  }
  const int64_t step = (extent + parts - 1) / parts;
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t p = 0; p < parts; ++p) {
    const int64_t begin = p * step, end = std::min(extent, begin + step);
    if (begin >= end) continue;
    if (split_rows)
      bf16::gemm_packed(trans_a, begin * 8, std::min(m, end * 8), 0, panels, alpha, a, lda, *packed, beta, c, n);
    else
      bf16::gemm_packed(trans_a, 0, m, begin, end, alpha, a, lda, *packed, beta, c, n);
  }
}

// int8 copies of weights (Operand::parameter), made at first use while the precision is int8
// and dropped when it changes. A copy is known by the weight's address and shape, and a sample
// of its values checked at every use: a weight freed and another allocated at the same place
// is quantised anew.
// A weight's fingerprint: 63 values spread over it and its last one (zeros beyond a small
// weight's values), compared at every int8 GEMM to requantise a weight that training changed.
// A fixed array, so that the check allocates nothing on decoding's hot path.
using WeightSample = std::array<float, 64>;
WeightSample sample_of(const float* b, int64_t count) {
  WeightSample s{};
  const int64_t step = (count + 62) / 63;
  std::size_t j = 0;
  for (int64_t i = 0; i < count; i += step) s[j++] = b[i];
  s.back() = b[count - 1];
  return s;
}

struct QuantizedWeight {
  const float* data = nullptr;
  bool trans = false;
  bool stored = false;  // registered from a model file (register_int8_weight): kept across precisions
  int64_t k = 0, n = 0;
  WeightSample sample{};
  int8::PackedB packed;
};
std::mutex quantized_mutex;
std::vector<std::unique_ptr<QuantizedWeight>> quantized_weights;


const int8::PackedB& quantized(bool trans_b, int64_t k, int64_t n, const float* b) {
  std::lock_guard<std::mutex> lock(quantized_mutex);
  const WeightSample sample = sample_of(b, k * n);
  for (auto& q : quantized_weights)
    if (q->data == b && q->trans == trans_b && q->k == k && q->n == n) {
      if (std::memcmp(q->sample.data(), sample.data(), sizeof(WeightSample)) != 0) {
        int8::quantize_b(trans_b, k, n, b, trans_b ? k : n, q->packed);
        q->sample = sample;
      }
      return q->packed;
    }
  auto q = std::make_unique<QuantizedWeight>();
  q->data = b;
  q->trans = trans_b;
  q->k = k;
  q->n = n;
  q->sample = sample;
  int8::quantize_b(trans_b, k, n, b, trans_b ? k : n, q->packed);
  quantized_weights.push_back(std::move(q));
  return quantized_weights.back()->packed;
}

void gemm_int8(bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, const float* b, float beta,
               float* c, const float* bias = nullptr) {
  const int8::PackedB& packed = quantized(trans_b, k, n, b);
  thread_local int8::QuantizedA qa;
  int8::quantize_a(m, k, a, k, qa);
  int8::gemm(qa, packed, alpha, beta, c, n, bias);
}

// Whether gemm runs a product in int8: in Precision::int8, for a weight (a parameter: quantised
// once) as B and a plain A.
bool runs_in_int8(bool trans_a, int64_t k, Operand b_kind) {
  return precision() == Precision::int8 && b_kind == Operand::parameter && !trans_a && k > 0;
}

}  // namespace

const int8::PackedB& int8_weight(bool trans_b, int64_t k, int64_t n, const float* b) {
  return quantized(trans_b, k, n, b);
}

void register_int8_weight(bool trans_b, int64_t k, int64_t n, const float* b, int8::PackedB packed) {
  std::lock_guard<std::mutex> lock(quantized_mutex);
  std::erase_if(quantized_weights, [&](const std::unique_ptr<QuantizedWeight>& q) { return q->data == b; });
  auto q = std::make_unique<QuantizedWeight>();
  q->data = b;
  q->trans = trans_b;
  q->k = k;
  q->n = n;
  q->stored = true;
  q->sample = sample_of(b, k * n);
  q->packed = std::move(packed);
  quantized_weights.push_back(std::move(q));
}

void for_each_int8_weight(const std::function<void(const float* b, bool trans_b, const int8::PackedB&)>& visit) {
  std::lock_guard<std::mutex> lock(quantized_mutex);
  for (const auto& q : quantized_weights) visit(q->data, q->trans, q->packed);
}

void gemm_int8_packed(int64_t m, const float* a, const int8::PackedB& b, float* c) {
  if (m == 0 || b.n == 0) return;
  count(flops_int8, m, b.n, b.k);
  thread_local int8::QuantizedA qa;
  int8::quantize_a(m, b.k, a, b.k, qa);
  int8::gemm(qa, b, 1.f, 0.f, c, b.n);
}

bool bf16_supported() { return bf16::supported(); }
bool int8_supported() { return int8::supported(); }

void set_precision(Precision precision) {
  if (precision == Precision::bf16 && !bf16::supported())
    throw std::runtime_error("bf16 GEMMs need a CPU with AVX512-BF16 (Intel Cooper Lake or Sapphire Rapids, "
                             "AMD Zen 4 or later); this one lacks it: use fp32");
  if (precision == Precision::int8 && !int8::supported())
    throw std::runtime_error("int8 GEMMs need a CPU with AVX2 (or AVX512-VNNI); this one lacks it: use fp32");
  if (precision != current_precision.load()) {
    std::lock_guard<std::mutex> lock(quantized_mutex);
    std::erase_if(quantized_weights, [](const std::unique_ptr<QuantizedWeight>& q) { return !q->stored; });
  }
  current_precision.store(precision);
}

Precision precision() { return current_precision.load(std::memory_order_relaxed); }

ParameterScope::ParameterScope() { ++parameter_copies.open_scopes; }

ParameterScope::~ParameterScope() {
  if (--parameter_copies.open_scopes == 0)
    for (ParameterCopy& copy : parameter_copies.copies) copy.valid = false;
}


FlopCount flop_count() {
  return {static_cast<double>(flops_fp32.load()), static_cast<double>(flops_bf16.load()),
          static_cast<double>(flops_int8.load())};
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c, Operand b_kind) {
  if (m == 0 || n == 0) return;
  make_openblas_single_threaded();
  // A product with a few columns (local attention's v_p, N = 1) would fill a 48-column tile.
  const Precision p = precision();
  if (p == Precision::bf16 && n >= 16) {
    count(flops_bf16, m, n, k);
    gemm_bf16(trans_a, trans_b, m, n, k, alpha, a, b, beta, c, b_kind);
    return;
  }
  if (runs_in_int8(trans_a, k, b_kind)) {
    count(flops_int8, m, n, k);
    gemm_int8(trans_b, m, n, k, alpha, a, b, beta, c);
    return;
  }
  count(flops_fp32, m, n, k);
  gemm_fp32(trans_a, trans_b, m, n, k, alpha, a, b, beta, c);
}

bool gemm_plus_bias(int64_t m, int64_t n, int64_t k, const float* a, const float* b, const float* bias, float* c,
                    Operand b_kind) {
  if (!runs_in_int8(false, k, b_kind)) return false;
  if (m == 0 || n == 0) return true;
  make_openblas_single_threaded();
  count(flops_int8, m, n, k);
  gemm_int8(false, m, n, k, 1.f, a, b, 0.f, c, bias);
  return true;
}

namespace {

// float32 through OpenBLAS, split over our threads.
void gemm_fp32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
               const float* b, float beta, float* c) {
  const int64_t lda = trans_a ? m : k;
  const int64_t ldb = trans_b ? k : n;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (threads <= 1 || m * n * k < kParallelWork) {
    gemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
    return;
  }
  const bool split_rows = m >= n;  // the longer side, in blocks of whole cache lines where we can
  const int64_t extent = split_rows ? m : n;
  const int64_t parts = std::min<int64_t>(threads, (extent + 15) / 16);
  if (parts <= 1) {
    gemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
    return;
  }
  const int64_t step = ((extent + parts - 1) / parts + 15) / 16 * 16;
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t p = 0; p < parts; ++p) {
    const int64_t begin = p * step, end = std::min(extent, begin + step);
    if (begin >= end) continue;
    if (split_rows)  // rows [begin, end) of op(A) and C
      gemm_block(trans_a, trans_b, end - begin, n, k, alpha, trans_a ? a + begin : a + begin * lda, lda, b, ldb,
                 beta, c + begin * n, n);
    else  // columns [begin, end) of op(B) and C
      gemm_block(trans_a, trans_b, m, end - begin, k, alpha, a, lda, trans_b ? b + begin * ldb : b + begin, ldb,
                 beta, c + begin, n);
  }
}

}  // namespace

// Attention's products stay float32 whatever the precision: they are a small share of the work.
void gemm_batched(bool trans_a, bool trans_b, int64_t batch, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t stride_a, const float* b, int64_t stride_b, float beta, float* c,
                  int64_t stride_c) {
  if (batch == 0 || m == 0 || n == 0) return;
  make_openblas_single_threaded();
  count(flops_fp32, batch * m, n, k);
  const int64_t lda = trans_a ? m : k;
  const int64_t ldb = trans_b ? k : n;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const bool vector_shape = m == 1 || k == 1;
  if (batch == 1 || threads <= 1 || batch * m * n * k < kParallelWork) {
    for (int64_t i = 0; i < batch; ++i) {
      if (vector_shape)
        gemm_item(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
                  c + i * stride_c);
      else
        gemm_fp32(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, b + i * stride_b, beta, c + i * stride_c);
    }
    return;
  }
  // Many small products (batch x heads): one thread per contiguous range of them.
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t i = 0; i < batch; ++i)
    gemm_item(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
              c + i * stride_c);
}

}  // namespace nmt::blas
