// loader_test.cc: config/loader.h on valid input: empty files, partial sections, a file that
// sets every key, input lists and their default names, and reading from disk (including a
// missing file and one that cannot be read).
#include "config/loader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "tests/config/config_test_util.h"

namespace lull::config {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;
using testing::errors_of;
using testing::load;

Config loaded(std::string_view yaml) {
  LoadResult result = load(yaml);
  EXPECT_TRUE(result.ok()) << result.error_text();
  return result.config.value_or(Config{});
}

TEST(LoadConfig, EmptyTextMeansEveryDefault) {
  EXPECT_EQ(loaded(""), Config{});
  EXPECT_EQ(loaded("# nothing but a comment\n\n"), Config{});
  EXPECT_EQ(loaded("---\n"), Config{});
}

TEST(LoadConfig, DefaultConfigListensOnTcpAndUdp7400AndMetrics9464) {
  const Config config;
  ASSERT_EQ(config.inputs.size(), 2u);
  EXPECT_EQ(config.inputs[0].type, InputType::kTcp);
  EXPECT_EQ(config.inputs[0].name, "tcp");
  EXPECT_EQ(config.inputs[0].listen, (Address{"127.0.0.1", 7400}));
  EXPECT_EQ(config.inputs[1].type, InputType::kUdp);
  EXPECT_EQ(config.inputs[1].name, "udp");
  EXPECT_EQ(config.inputs[1].listen, (Address{"127.0.0.1", 7400}));
  EXPECT_EQ(config.metrics.listen, (Address{"127.0.0.1", 9464}));
}

TEST(LoadConfig, APartialSectionKeepsTheOtherDefaults) {
  const Config config = loaded("gc:\n  quantum: 250us\nlog:\n  level: debug\n");
  Config expected;
  expected.gc.quantum = microseconds(250);
  expected.log.level = "debug";
  EXPECT_EQ(config, expected);
}

TEST(LoadConfig, ASectionWithEveryKeyCommentedOutKeepsTheDefaults) {
  EXPECT_EQ(loaded("gc:\n  # quantum: 1ms\nmetrics:\ninputs:\n"), Config{});
}

TEST(LoadConfig, ReadsEveryKey) {
  const Config config = loaded(R"(
inputs:
  - type: tcp
    name: orders
    listen: 0.0.0.0:7500
    max_line: 1MiB
    max_connections: 10
    receive_buffer: 4MiB
    idle_timeout: 30s
  - type: udp
    name: "ticks feed"
    listen: "[::1]:7501"
    max_line: 9000
events:
  key_field: symbol
  time_field: time_ns
metrics:
  enabled: no
  listen: localhost:9000
  window: 1m
log:
  level: warn
gc:
  mode: classic
  nursery: 8MiB
  major_factor: 2.5
  min_trigger: 16MiB
  soft_limit: 512MiB
  hard_limit: 1.5GiB
  quantum: 1.5ms
  nursery_fill: 0.5
  max_pacing_share: 0.1
  busy_poll: true
)");
  ASSERT_EQ(config.inputs.size(), 2u);
  const InputConfig& tcp = config.inputs[0];
  EXPECT_EQ(tcp.type, InputType::kTcp);
  EXPECT_EQ(tcp.name, "orders");
  EXPECT_EQ(tcp.listen, (Address{"0.0.0.0", 7500}));
  EXPECT_EQ(tcp.max_line, 1 * kMiB);
  EXPECT_EQ(tcp.max_connections, 10u);
  EXPECT_EQ(tcp.receive_buffer, 4 * kMiB);
  EXPECT_EQ(tcp.idle_timeout, std::chrono::seconds(30));
  const InputConfig& udp = config.inputs[1];
  EXPECT_EQ(udp.type, InputType::kUdp);
  EXPECT_EQ(udp.name, "ticks feed");
  EXPECT_EQ(udp.listen, (Address{"::1", 7501}));
  EXPECT_EQ(udp.max_line, 9000u);
  EXPECT_EQ(udp.receive_buffer, 0u);
  EXPECT_EQ(config.events.key_field, "symbol");
  EXPECT_EQ(config.events.time_field, "time_ns");
  EXPECT_FALSE(config.metrics.enabled);
  EXPECT_EQ(config.metrics.listen, (Address{"localhost", 9000}));
  EXPECT_EQ(config.metrics.window, seconds(60));
  EXPECT_EQ(config.log.level, "warn");
  EXPECT_EQ(config.gc.mode, GcMode::kClassic);
  EXPECT_EQ(config.gc.nursery, 8 * kMiB);
  EXPECT_EQ(config.gc.major_factor, 2.5);
  EXPECT_EQ(config.gc.min_trigger, 16 * kMiB);
  EXPECT_EQ(config.gc.soft_limit, 512 * kMiB);
  EXPECT_EQ(config.gc.hard_limit, 3 * kGiB / 2);
  EXPECT_EQ(config.gc.quantum, microseconds(1500));
  EXPECT_EQ(config.gc.nursery_fill, 0.5);
  EXPECT_EQ(config.gc.max_pacing_share, 0.1);
  EXPECT_TRUE(config.gc.busy_poll);
}

TEST(LoadConfig, AnInputsListReplacesTheDefaultsAndNamesInputsAfterTheirType) {
  const Config config = loaded("inputs:\n  - type: udp\n    listen: 127.0.0.1:9999\n");
  ASSERT_EQ(config.inputs.size(), 1u);
  EXPECT_EQ(config.inputs[0].name, "udp");
  EXPECT_EQ(config.inputs[0].listen, (Address{"127.0.0.1", 9999}));
  EXPECT_EQ(config.inputs[0].max_line, 64 * kKiB);
}

TEST(LoadConfig, AnEmptyInputsListMeansNoInputs) {
  EXPECT_TRUE(loaded("inputs: []\n").inputs.empty());
}

TEST(LoadConfig, FlowStyleAndQuotedValuesWork) {
  const Config config = loaded("gc: {quantum: \"100us\", busy_poll: on}\n");
  EXPECT_EQ(config.gc.quantum, microseconds(100));
  EXPECT_TRUE(config.gc.busy_poll);
}

TEST(LoadConfig, HardLimitZeroMeansNoLimit) {
  const Config config = loaded("gc:\n  hard_limit: 0\n  nursery: 1GiB\n");
  EXPECT_EQ(config.gc.hard_limit, 0u);
}

TEST(LoadConfig, PortZeroIsAllowedAndNeverClashes) {
  const Config config = loaded(
      "inputs:\n  - {type: tcp, name: a, listen: 127.0.0.1:0}\n"
      "  - {type: tcp, name: b, listen: 127.0.0.1:0}\nmetrics:\n  listen: 127.0.0.1:0\n");
  EXPECT_EQ(config.inputs.size(), 2u);
}

TEST(LoadConfig, TcpAndUdpMayShareAnAddress) {
  EXPECT_TRUE(load("inputs:\n  - {type: tcp, listen: 0.0.0.0:7400}\n"
                   "  - {type: udp, listen: 0.0.0.0:7400}\n")
                  .ok());
}

TEST(LoadConfig, MetricsMayShareAnAddressWithATcpInputWhenDisabled) {
  EXPECT_TRUE(load("metrics:\n  enabled: false\n  listen: 127.0.0.1:7400\n").ok());
}

class LoadConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("lull_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(LoadConfigFile, LoadsAFile) {
  const std::string path = write("lull.yaml", "gc:\n  quantum: 20us\n");
  LoadResult result = load_config_file(path);
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.config->gc.quantum, microseconds(20));
}

TEST_F(LoadConfigFile, ErrorsNameTheFileAsGiven) {
  const std::string path = write("bad.yaml", "gc:\n  quantum: fast\n");
  EXPECT_EQ(
      errors_of(load_config_file(path)),
      std::vector<std::string>{path + ":2:12: gc.quantum: expected a duration like \"50us\""});
}

TEST_F(LoadConfigFile, ReportsAMissingFile) {
  const std::string path = (dir_ / "absent.yaml").string();
  LoadResult result = load_config_file(path);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(
      errors_of(result),
      std::vector<std::string>{path + ": cannot read the config file: No such file or directory"});
}

TEST_F(LoadConfigFile, ReportsAFileThatCannotBeRead) {
  // A directory, since permission bits do not stop root, which tests may run as.
  const std::string path = dir_.string();
  EXPECT_EQ(errors_of(load_config_file(path)),
            std::vector<std::string>{path + ": cannot read the config file: Is a directory"});
}

TEST_F(LoadConfigFile, AnEmptyFileMeansEveryDefault) {
  LoadResult result = load_config_file(write("empty.yaml", ""));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result.config, Config{});
}

}  // namespace
}  // namespace lull::config
