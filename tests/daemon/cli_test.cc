// cli_test.cc: lulld's options, both value forms, and every command-line error.
#include "daemon/cli.h"

#include <gtest/gtest.h>

namespace lull::daemon {
namespace {

TEST(CommandLine, DefaultsToTheBuiltInConfig) {
  auto parsed = parse_command_line({});
  ASSERT_TRUE(parsed.command_line);
  EXPECT_FALSE(parsed.command_line->config_path);
  EXPECT_FALSE(parsed.command_line->check_config);
}

TEST(CommandLine, TakesValuesInBothForms) {
  auto parsed = parse_command_line({"--config", "a.yaml", "--log-level=debug", "--check-config"});
  ASSERT_TRUE(parsed.command_line) << parsed.error;
  EXPECT_EQ(parsed.command_line->config_path, "a.yaml");
  EXPECT_EQ(parsed.command_line->log_level, "debug");
  EXPECT_TRUE(parsed.command_line->check_config);
  EXPECT_EQ(parse_command_line({"-c", "b.yaml"}).command_line->config_path, "b.yaml");
}

TEST(CommandLine, ReportsEachMistake) {
  EXPECT_EQ(parse_command_line({"--bogus"}).error, "unknown option '--bogus'");
  EXPECT_EQ(parse_command_line({"--config"}).error, "option '--config' needs a value");
  EXPECT_EQ(parse_command_line({"--version=2"}).error, "option '--version' takes no value");
  EXPECT_EQ(parse_command_line({"--check-config", "--print-config"}).error,
            "--check-config and --print-config cannot be combined");
}

}  // namespace
}  // namespace lull::daemon
