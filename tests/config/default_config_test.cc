// default_config_test.cc: the built-in default config (config/lull.default.yaml, compiled in)
// against the structs and the settings table, so that neither the text, its comments nor the
// defaults in config.h can drift from the others unnoticed.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "config/internal/schema.h"
#include "config/loader.h"
#include "tests/config/config_test_util.h"

namespace lull::config {
namespace {

TEST(DefaultConfig, LoadsWithoutErrorsIntoADefaultConstructedConfig) {
  const LoadResult result = load_config_string(default_config_text(), kBuiltinConfigName);
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(*result.config, Config{});
  EXPECT_EQ(load_default_config().config, Config{});
}

TEST(DefaultConfig, IsTheFileInTheSourceTree) {
  std::ifstream file(std::string(LULL_SOURCE_DIR) + "/config/lull.default.yaml");
  ASSERT_TRUE(file) << "cannot open config/lull.default.yaml";
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(default_config_text(), text.str());
}

// Each key of the table, as "gc.quantum" or "inputs[].listen", mapped to the comment lines
// just above its first occurrence in the default text.
std::map<std::string, std::string> comment_blocks(std::string_view text) {
  std::map<std::string, std::string> blocks;
  std::istringstream lines{std::string(text)};
  const std::regex key_line(R"(^( *)(- )?([a-z_]+):.*$)");
  std::string line;
  std::string section;
  std::string block;
  while (std::getline(lines, line)) {
    const std::size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos) {
      block.clear();
    } else if (line[start] == '#') {
      block += line.substr(start) + "\n";
    } else if (std::smatch match; std::regex_match(line, match, key_line)) {
      if (match[1].length() == 0) {
        section = match[3];
      } else {
        const std::string prefix = section == "inputs" ? "inputs[]" : section;
        blocks.emplace(prefix + "." + match[3].str(), block);
      }
      block.clear();
    }
  }
  return blocks;
}

TEST(DefaultConfig, SetsAndDocumentsEveryKeyOfTheTable) {
  const std::map<std::string, std::string> blocks = comment_blocks(default_config_text());
  const std::regex default_tag(R"(Default: ([^ |\n]+))");
  const std::regex reload_tag(R"(Reload: (yes|no))");
  const std::regex unit_tag(R"(# Unit: )");
  for (const internal::KeyInfo& key : internal::key_table()) {
    SCOPED_TRACE(key.path);
    auto it = blocks.find(key.path);
    ASSERT_NE(it, blocks.end()) << "not set in lull.default.yaml";
    const std::string& block = it->second;
    std::smatch match;
    EXPECT_TRUE(std::regex_search(block, unit_tag)) << block;
    ASSERT_TRUE(std::regex_search(block, match, default_tag)) << block;
    if (match[1].str().front() != '(') {  // "(required)", "(the type)"
      EXPECT_EQ(match[1].str(), key.default_text);
    }
    ASSERT_TRUE(std::regex_search(block, match, reload_tag)) << block;
    EXPECT_EQ(match[1].str(), key.reload == internal::Reload::kLive ? "yes" : "no");
  }
}

TEST(DefaultConfig, TheCommentCheckCanFail) {
  // The parser above must see a wrong default, or the test before proves nothing.
  const auto blocks =
      comment_blocks("gc:\n  # Unit: duration | Default: 1s | Reload: yes\n  quantum: 1s\n");
  ASSERT_EQ(blocks.count("gc.quantum"), 1u);
  EXPECT_NE(blocks.at("gc.quantum").find("Default: 1s"), std::string::npos);
  EXPECT_EQ(blocks.count("gc.mode"), 0u);
}

}  // namespace
}  // namespace lull::config
