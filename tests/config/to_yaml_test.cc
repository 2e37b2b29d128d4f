// to_yaml_test.cc: to_yaml() prints every setting in normalized form that loads back into the
// same Config, for the defaults and for configs with unusual values.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/config_test_util.h"

namespace lull::config {
namespace {

Config round_trip(const Config& config) {
  const std::string yaml = to_yaml(config);
  LoadResult result = load_config_string(yaml, "printed.yaml");
  EXPECT_TRUE(result.ok()) << result.error_text() << yaml;
  return result.config.value_or(Config{});
}

TEST(ToYaml, PrintsTheDefaultsNormalized) {
  EXPECT_EQ(to_yaml(Config{}),
            "# lulld configuration, normalized: every setting, defaults included.\n"
            "inputs:\n"
            "  - type: tcp\n"
            "    name: tcp\n"
            "    listen: 127.0.0.1:7400\n"
            "    max_line: 64KiB\n"
            "    max_connections: 1024\n"
            "    receive_buffer: 0B\n"
            "    idle_timeout: 10m\n"
            "  - type: udp\n"
            "    name: udp\n"
            "    listen: 127.0.0.1:7400\n"
            "    max_line: 64KiB\n"
            "    receive_buffer: 0B\n"
            "events:\n"
            "  key_field: key\n"
            "  time_field: ts\n"
            "  max_future: 1m\n"
            "metrics:\n"
            "  enabled: true\n"
            "  listen: 127.0.0.1:9464\n"
            "  window: 10s\n"
            "log:\n"
            "  level: info\n"
            "gc:\n"
            "  mode: idle\n"
            "  nursery: 4MiB\n"
            "  major_factor: 1.82\n"
            "  min_trigger: 64MiB\n"
            "  soft_limit: 1GiB\n"
            "  hard_limit: 2GiB\n"
            "  quantum: 50us\n"
            "  nursery_fill: 0.75\n"
            "  max_pacing_share: 0.25\n"
            "  busy_poll: false\n"
            "state:\n"
            "  key_ttl: 10m\n"
            "  max_keys: 1000000\n"
            "actions: {}\n"
            "rules: []\n");
}

TEST(ToYaml, DefaultsRoundTrip) {
  EXPECT_EQ(round_trip(Config{}), Config{});
}

TEST(ToYaml, UnusualValuesRoundTrip) {
  Config config;
  InputConfig udp;
  udp.type = InputType::kUdp;
  udp.name = "feed: \"a\" \\ b\t#1";
  udp.listen = {"::1", 0};
  udp.max_line = 1536;
  udp.receive_buffer = 3 * kGiB / 4;
  InputConfig tcp;
  tcp.type = InputType::kTcp;
  tcp.name = "yes";
  tcp.listen = {"0.0.0.0", 65535};
  tcp.max_line = 64;
  tcp.max_connections = 1'000'000;
  tcp.receive_buffer = 1;
  tcp.idle_timeout = std::chrono::nanoseconds(0);
  InputConfig nats;
  nats.type = InputType::kJetStream;
  nats.name = "jetstream";
  nats.servers = {"nats://[::1]:4222", "nats://10.0.0.2:4222"};
  nats.stream_prefix = "T-1_x";
  nats.subject = "market.ticks";
  nats.partitions = 4096;
  nats.owned = {4095, 0, 17};
  nats.commit_interval = std::chrono::milliseconds(1);
  nats.replay_slack = std::chrono::nanoseconds(0);
  nats.replay_first_start = true;
  nats.fetch_batch = 1;
  nats.fetch_expires = std::chrono::seconds(60);
  nats.max_pending = 7;
  config.inputs = {udp, tcp, nats};
  config.events = {.key_field = "- key", .time_field = "null"};
  config.metrics = {.enabled = false, .listen = {"::", 9464}, .window = std::chrono::seconds(3570)};
  config.log.level = "off";
  config.gc = {.mode = GcMode::kOff,
               .nursery = 64 * kKiB,
               .major_factor = 1.0000001,
               .min_trigger = 0,
               .soft_limit = 1 * kMiB,
               .hard_limit = 7 * kTiB + 3,
               .quantum = std::chrono::nanoseconds(1'234'567),
               .nursery_fill = 0.05,
               .max_pacing_share = 0.9,
               .busy_poll = true};
  EXPECT_EQ(round_trip(config), config);
}

TEST(ToYaml, NoInputsRoundTrip) {
  Config config;
  config.inputs.clear();
  EXPECT_NE(to_yaml(config).find("inputs: []\n"), std::string::npos);
  EXPECT_EQ(round_trip(config), config);
}

TEST(ToYaml, ALoadedFilePrintsAndLoadsBackUnchanged) {
  LoadResult first = testing::load(
      "inputs:\n  - {type: tcp, name: x, listen: \"[::1]:7400\"}\n"
      "gc:\n  quantum: 0.25ms\n  hard_limit: 3072MiB\n");
  ASSERT_TRUE(first.ok()) << first.error_text();
  const std::string printed = to_yaml(*first.config);
  EXPECT_NE(printed.find("  quantum: 250us\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("  hard_limit: 3GiB\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("    listen: \"[::1]:7400\"\n"), std::string::npos) << printed;
  EXPECT_EQ(round_trip(*first.config), *first.config);
  EXPECT_EQ(to_yaml(round_trip(*first.config)), printed);
}

}  // namespace
}  // namespace lull::config
