// The doctest main of the metrics tests (tests/metrics/*.cpp are one executable, run by CTest
// with this folder as the working directory).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
