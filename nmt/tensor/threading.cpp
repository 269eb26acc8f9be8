#include "nmt/tensor/threading.h"

#include <omp.h>

#include <thread>

extern "C" void openblas_set_num_threads(int);

namespace nmt {

static int g_threads = 0;

void set_num_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  g_threads = threads;
  // GEMMs are split over our OpenMP threads (nmt/tensor/blas.cpp); OpenBLAS itself runs each
  // block on one thread. (Its OpenMP build sets OpenMP's count as well, hence this order.)
  openblas_set_num_threads(1);
  omp_set_num_threads(threads);
}

int num_threads() {
  if (g_threads == 0) set_num_threads(0);
  return g_threads;
}

}  // namespace nmt
