// cli_test.cc: lulld's options, both value forms, and every command-line error.
#include "daemon/cli.h"

#include <gtest/gtest.h>

#include <chrono>

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

TEST(CommandLine, NatsSetupTakesItsOptionsInBothForms) {
  using namespace std::chrono_literals;
  auto parsed = parse_command_line({"--config", "a.yaml", "--nats-setup"});
  ASSERT_TRUE(parsed.command_line) << parsed.error;
  EXPECT_TRUE(parsed.command_line->nats_setup);
  EXPECT_FALSE(parsed.command_line->replicas);  // the defaults are the command's
  EXPECT_FALSE(parsed.command_line->max_age);
  EXPECT_FALSE(parsed.command_line->lease_ttl);

  parsed = parse_command_line(
      {"--nats-setup", "-c", "a.yaml", "--replicas", "3", "--max-age=2h", "--lease-ttl", "1.5s"});
  ASSERT_TRUE(parsed.command_line) << parsed.error;
  EXPECT_EQ(parsed.command_line->replicas, 3);
  EXPECT_EQ(parsed.command_line->max_age, 2h);
  EXPECT_EQ(parsed.command_line->lease_ttl, 1500ms);
  EXPECT_EQ(
      parse_command_line({"--nats-setup", "--config=a", "--replicas=5"}).command_line->replicas, 5);
}

TEST(CommandLine, ReportsEachNatsSetupMistake) {
  auto error = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", "a.yaml"});
    return parse_command_line(args).error;
  };
  EXPECT_EQ(parse_command_line({"--nats-setup"}).error,
            "--nats-setup needs --config FILE (the config with the jetstream input)");
  EXPECT_EQ(error({"--nats-setup=yes"}), "option '--nats-setup' takes no value");
  EXPECT_EQ(error({"--replicas", "2"}), "--replicas is only valid with --nats-setup");
  EXPECT_EQ(error({"--max-age", "2h"}), "--max-age is only valid with --nats-setup");
  EXPECT_EQ(error({"--lease-ttl=10s"}), "--lease-ttl is only valid with --nats-setup");
  EXPECT_EQ(error({"--nats-setup", "--check-config"}),
            "--check-config and --nats-setup cannot be combined");
  EXPECT_EQ(error({"--print-config", "--nats-setup"}),
            "--print-config and --nats-setup cannot be combined");
  EXPECT_EQ(error({"--nats-setup", "--replicas"}), "option '--replicas' needs a value");
  EXPECT_EQ(error({"--nats-setup", "--replicas", "0"}),
            "option '--replicas' expects 1 to 5, got \"0\"");
  EXPECT_EQ(error({"--nats-setup", "--replicas=6"}),
            "option '--replicas' expects 1 to 5, got \"6\"");
  EXPECT_EQ(error({"--nats-setup", "--replicas", "two"}),
            "option '--replicas' expects 1 to 5, got \"two\"");
  EXPECT_EQ(error({"--nats-setup", "--max-age"}), "option '--max-age' needs a value");
  EXPECT_EQ(error({"--nats-setup", "--max-age", "2"}),
            "option '--max-age' expects a duration like \"2h\"; \"2\" has no unit (ns, us, ms, s, "
            "m or h)");
  EXPECT_EQ(error({"--nats-setup", "--max-age=2d"}),
            "option '--max-age' expects a duration like \"2h\"; unknown unit \"d\"; write days in "
            "hours, like \"24h\"");
  EXPECT_EQ(error({"--nats-setup", "--lease-ttl", "0s"}),
            "option '--lease-ttl' must be more than 0");
  EXPECT_EQ(error({"--nats-setup", "--lease-ttl", "soon"}),
            "option '--lease-ttl' expects a duration like \"2h\"");
}

TEST(CommandLine, UsageNamesTheNatsSetupOptions) {
  for (const char* option : {"--nats-setup", "--replicas N", "--max-age D", "--lease-ttl D"}) {
    EXPECT_NE(std::string(kUsage).find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace lull::daemon
