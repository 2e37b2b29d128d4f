// regression_test.cc: every file of the seed corpora (corpus/<target>/) and every saved finding
// (regressions/<target>/) run through its target's body, one test per file, in the ordinary
// debug and asan builds (no clang, no libFuzzer). A body aborts on a broken property, so a
// failing file is named by its test: Inputs/FuzzInputTest.Passes/regressions_heap_<file>.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/targets.h"

namespace lull::fuzz {
namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;
  int (*one)(const std::uint8_t*, std::size_t);
};
constexpr Target kTargets[] = {
    {"ingest", fuzz_ingest_one}, {"config", fuzz_config_one}, {"heap", fuzz_heap_one}};

struct Input {
  std::string kind;  // "corpus" or "regressions"
  const Target* target;
  fs::path path;
};

std::vector<Input> all_inputs() {
  std::vector<Input> inputs;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const Target& target : kTargets) {
      const fs::path dir = fs::path(LULL_FUZZ_DIR) / kind / target.name;
      if (!fs::is_directory(dir)) continue;
      for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) inputs.push_back({kind, &target, entry.path()});
      }
    }
  }
  std::sort(inputs.begin(), inputs.end(),
            [](const Input& a, const Input& b) { return a.path < b.path; });
  return inputs;
}

// "regressions_heap_crash-1a2b" from regressions/heap/crash-1a2b: gtest wants [A-Za-z0-9_].
std::string test_name(const ::testing::TestParamInfo<Input>& info) {
  std::string name =
      info.param.kind + "_" + info.param.target->name + "_" + info.param.path.filename().string();
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return name;
}

class FuzzInputTest : public ::testing::TestWithParam<Input> {};

TEST_P(FuzzInputTest, Passes) {
  std::ifstream file(GetParam().path, std::ios::binary);
  ASSERT_TRUE(file) << GetParam().path;
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                                std::istreambuf_iterator<char>());
  EXPECT_EQ(
      GetParam().target->one(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
}

INSTANTIATE_TEST_SUITE_P(Inputs, FuzzInputTest, ::testing::ValuesIn(all_inputs()), test_name);

// The corpora are in the repository: an empty list means the path is wrong, not that all passed.
TEST(FuzzCorpusTest, EveryTargetHasSeeds) {
  for (const Target& target : kTargets) {
    const fs::path dir = fs::path(LULL_FUZZ_DIR) / "corpus" / target.name;
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    EXPECT_FALSE(fs::is_empty(dir)) << dir;
  }
}

}  // namespace
}  // namespace lull::fuzz
