// libfuzzer_entry.cc: libFuzzer's entry point. CMake compiles this file once per target with
// LULL_FUZZ_ONE naming that target's body in targets.h (fuzz_ingest_one, ...).
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return lull::fuzz::LULL_FUZZ_ONE(data, size);
}
