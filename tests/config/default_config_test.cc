// default_config_test.cc: the built-in default config (config/lull.default.yaml, compiled in)
// against the structs and the settings table, so that neither the text, its comments nor the
// defaults in config.h can drift from the others unnoticed.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

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

// The key path prefix of a key in a section: "inputs[]", "rules[]", "actions.<name>", "gc".
std::string key_prefix(const std::string& section) {
  if (section == "inputs" || section == "rules") return section + "[]";
  if (section == "actions") return "actions.<name>";
  return section;
}

// Each key of the table, as "gc.quantum", "inputs[].listen" or "actions.<name>.queue", mapped
// to the comment lines just above its first occurrence in the default text.
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
      } else if (section != "actions" || match[1].length() > 2) {  // not an action's name
        blocks.emplace(key_prefix(section) + "." + match[3].str(), block);
      }
      block.clear();
    }
  }
  return blocks;
}

// The commented examples of a section (`inputs:`, `actions:`, `rules:`) in the default text,
// in order: each the line "# <section>:" and the indented comment lines after it
// ("#   ..."), without their "# ".
std::vector<std::string> examples_of(std::string_view text, std::string_view section) {
  std::istringstream lines{std::string(text)};
  const std::string start = "# " + std::string(section) + ":";
  std::string line;
  std::vector<std::string> examples;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (line == start) {
      examples.push_back(line.substr(2) + "\n");
      inside = true;
    } else if (inside && line.starts_with("#  ")) {
      examples.back() += line.substr(2) + "\n";
    } else {
      inside = false;
    }
  }
  return examples;
}

std::string example_of(std::string_view text, std::string_view section) {
  const auto examples = examples_of(text, section);
  return examples.empty() ? std::string() : examples.front();
}

TEST(DefaultConfig, HasNoActionsOrRulesSoItConnectsNowhere) {
  const LoadResult result = load_default_config();
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_TRUE(result.config->actions.empty());
  EXPECT_TRUE(result.config->rules.empty());
}

TEST(DefaultConfig, ItsCommentedExamplesLoadAndShowEveryRuleKindAndActionType) {
  const std::string actions = example_of(default_config_text(), "actions");
  const std::string rules = example_of(default_config_text(), "rules");
  ASSERT_NE(actions, "");
  ASSERT_NE(rules, "");
  const LoadResult result = load_config_string(actions + rules, "<examples>");
  ASSERT_TRUE(result.ok()) << result.error_text() << actions << rules;
  std::set<ActionType> types;
  for (const ActionConfig& action : result.config->actions) types.insert(action.type);
  EXPECT_EQ(types, (std::set{ActionType::kTcp, ActionType::kUdp, ActionType::kLog,
                             ActionType::kJetStream}));
  std::set<RuleKind> kinds;
  for (const RuleConfig& rule : result.config->rules) {
    kinds.insert(rule.kind);
    EXPECT_FALSE(rule.enabled) << rule.name << ": examples are disabled, should one be pasted";
  }
  EXPECT_EQ(kinds, (std::set{RuleKind::kThreshold, RuleKind::kDeviation, RuleKind::kRate,
                             RuleKind::kAbsence, RuleKind::kSequence}));
}

TEST(DefaultConfig, ItsJetStreamInputExamplesLoad) {
  const auto examples = examples_of(default_config_text(), "inputs");
  ASSERT_EQ(examples.size(), 2u);
  for (const std::string& example : examples) {
    const LoadResult result = load_config_string(example, "<example>");
    ASSERT_TRUE(result.ok()) << result.error_text() << example;
    ASSERT_EQ(result.config->inputs.size(), 1u);
    EXPECT_EQ(result.config->inputs[0].type, InputType::kJetStream);
  }
}

TEST(DefaultConfig, SetsAndDocumentsEveryKeyOfTheTable) {
  // Rules and actions are documented on their commented examples.
  std::map<std::string, std::string> blocks = comment_blocks(default_config_text());
  for (std::string_view section : {"inputs", "actions", "rules"}) {
    for (const std::string& example : examples_of(default_config_text(), section)) {
      blocks.merge(comment_blocks(example));
    }
  }
  const std::regex default_tag(R"(Default: ([^ |\n]+))");
  const std::regex reload_tag(R"(Reload: (yes|no))");
  const std::regex unit_tag(R"(# Unit: )");
  for (const internal::KeyInfo& key : internal::key_table()) {
    SCOPED_TRACE(key.path);
    auto it = blocks.find(key.path);
    ASSERT_NE(it, blocks.end()) << "not set (or in an example) in lull.default.yaml";
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
