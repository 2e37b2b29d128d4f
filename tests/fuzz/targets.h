// targets.h: the body of every fuzz target, one plain function each, so the libFuzzer binaries
// (libfuzzer_entry.cc) and the regression test (regression_test.cc) run the same code.
// Each takes any bytes, returns 0, and aborts through LULL_FUZZ_CHECK on a broken property;
// ASan and UBSan report memory and undefined-behaviour errors on their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace lull::fuzz {

// Bytes as one TCP stream: LineFramer -> EventParser -> EventBuilder on a fresh Heap.
int fuzz_ingest_one(const std::uint8_t* data, std::size_t size);
// Bytes as a config file: load_config_string returns a config or errors.
int fuzz_config_one(const std::uint8_t* data, std::size_t size);
// Bytes as a program of heap operations, checked against a shadow model and the verifier.
int fuzz_heap_one(const std::uint8_t* data, std::size_t size);

}  // namespace lull::fuzz

// A property every input must keep. A failure is a finding: print what broke and abort, so
// libFuzzer saves the input (and the regression test dies loudly).
#define LULL_FUZZ_CHECK(condition, what)                                                         \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s: %s\n", __FILE__, __LINE__, #condition, \
                   what);                                                                        \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)
