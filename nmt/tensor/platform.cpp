#include "nmt/tensor/platform.h"

#include <cblas.h>

#include "nmt/tensor/gemm_bf16.h"
#include "nmt_build_version.h"  // generated at build time: NMT_VERSION, NMT_COMMIT

namespace nmt::platform {

std::string version() { return NMT_VERSION; }
std::string commit() { return NMT_COMMIT; }
std::string openblas_core() { return openblas_get_corename(); }
std::string openblas_config() { return openblas_get_config(); }

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
bool cpu_has_avx512_bf16() { return blas::bf16::supported(); }

std::string version_text(const std::string& program) {
  auto yes = [](bool b) { return b ? "yes" : "no"; };
  std::string text = program + " " + version();
  if (!commit().empty()) text += " (commit " + commit() + ")";
  text += "\nOpenBLAS: " + openblas_config() + "; core in use: " + openblas_core() + "\n";
  text += std::string("CPU: AVX2 ") + yes(cpu_has_avx2()) + ", AVX-512 " + yes(cpu_has_avx512()) +
          ", AVX512-BF16 " + yes(cpu_has_avx512_bf16()) + "\n";
  return text;
}

}  // namespace nmt::platform
