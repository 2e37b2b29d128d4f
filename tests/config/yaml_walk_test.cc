// yaml_walk_test.cc: config/internal/yaml_walk.h: 1-based positions, duplicate keys that
// yaml-cpp keeps silently, and the edit-distance suggestions behind "did you mean".
#include "config/internal/yaml_walk.h"

#include <gtest/gtest.h>

namespace lull::config::internal {
namespace {

constexpr std::string_view kGcKeys[] = {"mode",       "nursery",    "major_factor", "min_trigger",
                                        "soft_limit", "hard_limit", "quantum"};

TEST(EditDistance, CountsEditsIgnoringCase) {
  EXPECT_EQ(edit_distance("quantum", "quantum"), 0u);
  EXPECT_EQ(edit_distance("quantom", "quantum"), 1u);
  EXPECT_EQ(edit_distance("Quantum", "quantum"), 0u);
  EXPECT_EQ(edit_distance("hardlimit", "hard_limit"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Closest, SuggestsLikelyTyposOnly) {
  EXPECT_EQ(closest("quantom", kGcKeys), "quantum");
  EXPECT_EQ(closest("nursey", kGcKeys), "nursery");
  EXPECT_EQ(closest("softlimit", kGcKeys), "soft_limit");
  EXPECT_EQ(closest("major", kGcKeys), "major_factor");  // a prefix of a key
  EXPECT_EQ(closest("quantum_us", kGcKeys), "quantum");  // a key starts the word
  EXPECT_EQ(closest("colour", kGcKeys), std::nullopt);
  constexpr std::string_view kTypes[] = {"tcp", "udp"};
  EXPECT_EQ(closest("http", kTypes), std::nullopt);
  EXPECT_EQ(closest("tpc", kTypes), std::nullopt);  // a swap is two edits: too far for 3 letters
  EXPECT_EQ(closest("x", kGcKeys), std::nullopt);
}

TEST(MapEntries, ReportsADuplicateKeyAtItsSecondOccurrence) {
  DecodeContext ctx("t.yaml");
  const YAML::Node root = YAML::Load("a: 1\nb: 2\na: 3\n");
  const std::vector<Entry> entries = map_entries(root, "gc", ctx);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "gc.a");
  EXPECT_EQ(entries[0].value.Scalar(), "1");  // the first occurrence is the one decoded
  EXPECT_EQ(entries[1].key, "b");
  const std::vector<ConfigError> errors = ctx.take_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "t.yaml:3:1: gc.a: duplicate key; first set on line 1");
}

TEST(MapEntries, GivesOneBasedPositionsAndTheKeysForEmptyValues) {
  DecodeContext ctx("t.yaml");
  const YAML::Node root = YAML::Load("x:\n  a: 1\n  b:\n");
  const std::vector<Entry> entries = map_entries(root["x"], "x", ctx);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key_position.line, 2);
  EXPECT_EQ(entries[0].key_position.column, 3);
  EXPECT_EQ(entries[0].value_position.column, 6);
  // yaml-cpp marks an empty value at the next line; the key's position is the useful one.
  EXPECT_EQ(entries[1].value_position.line, 3);
  EXPECT_EQ(entries[1].value_position.column, 3);
  EXPECT_EQ(ctx.where_set("x.b")->line, 3);
  EXPECT_FALSE(ctx.where_set("x.c"));
}

TEST(MapEntries, RejectsKeysThatAreNotScalars) {
  DecodeContext ctx("t.yaml");
  const YAML::Node root = YAML::Load("? [a]\n: 1\n");
  EXPECT_TRUE(map_entries(root, "", ctx).empty());
  const std::vector<ConfigError> errors = ctx.take_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "expected a key name, got a list as a key");
}

TEST(DecodeContext, SortsErrorsByPosition) {
  DecodeContext ctx("t.yaml");
  ctx.error({5, 1}, "b", "later");
  ctx.error({2, 7}, "a", "earlier");
  ctx.error({2, 3}, "a", "first");
  const std::vector<ConfigError> errors = ctx.take_errors();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].message, "first");
  EXPECT_EQ(errors[1].message, "earlier");
  EXPECT_EQ(errors[2].message, "later");
}

}  // namespace
}  // namespace lull::config::internal
