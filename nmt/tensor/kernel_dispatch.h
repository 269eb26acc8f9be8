// Run-time choice of instruction set for our own kernels.
//
// NMT_KERNEL marks a function that GCC compiles three times, for AVX-512 (x86-64-v4), for AVX2 +
// FMA (x86-64-v3) and for baseline x86-64; the loader picks the best one the CPU supports
// (function multi-versioning through an ifunc). Kernels are plain loops that the compiler
// vectorises, so the same source serves every CPU.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define NMT_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NMT_KERNEL
#endif
