// --version, answered alike by every tool before its own options are read: the toolkit's
// version and commit, the OpenBLAS core in use and the CPU features our kernels can use.
#pragma once

#include <iostream>
#include <string_view>

#include "nmt/tensor/platform.h"

namespace nmt::tools {

// Prints the version text and returns true when the command line asks for it.
inline bool answered_version(int argc, char** argv, const char* program, std::string_view extra = {}) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      std::cout << platform::version_text(program) << extra;
      return true;
    }
  }
  return false;
}

}  // namespace nmt::tools
