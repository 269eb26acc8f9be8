// Skips the whole binary (CTest SKIP_RETURN_CODE 77) when there is no MPI to test.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
#ifndef NMT_TEST_MPIEXEC
  std::fprintf(stderr, "SKIPPED: nmt-train was built without MPI (apt-get install openmpi-bin libopenmpi-dev)\n");
  return 77;
#else
  if (::access(NMT_TEST_MPIEXEC, X_OK) != 0) {
    std::fprintf(stderr, "SKIPPED: %s is missing (apt-get install openmpi-bin)\n", NMT_TEST_MPIEXEC);
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
#endif
}
