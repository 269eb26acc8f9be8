// What this build runs on: the toolkit's version and commit, the OpenBLAS build and core in use,
// and the instruction sets our own kernels can use (for --version, benchmarks and bug reports).
#pragma once

#include <string>

namespace nmt::platform {

std::string version();        // "0.1.0"
std::string commit();         // "a4d0c06" (+ "-dirty"), or "" when not built from a git checkout
std::string openblas_core();  // the OpenBLAS kernel set in use, e.g. "Haswell" (OPENBLAS_CORETYPE)
std::string openblas_config();
bool cpu_has_avx2();
bool cpu_has_avx512();        // AVX-512 F, BW, DQ, VL: our kernels' x86-64-v4 clones
bool cpu_has_avx512_bf16();   // the bf16 GEMM (nmt-train --gemm-precision bf16)

// The --version text of a tool: its name and version, commit, OpenBLAS, CPU features.
std::string version_text(const std::string& program);

}  // namespace nmt::platform
