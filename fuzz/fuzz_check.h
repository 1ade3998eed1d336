#pragma once

// LIA_FUZZ_CHECK: a fuzz target's assertion. Prints the failed condition and
// aborts, so libFuzzer records the input as a crash (NDEBUG or not).

#include <cstdio>
#include <cstdlib>
#include <string>

#define LIA_FUZZ_CHECK(cond, what)                                     \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, \
                   __LINE__, #cond, std::string(what).c_str());        \
      std::abort();                                                    \
    }                                                                  \
  } while (false)
