// nats_setup_test.cc: `lulld --config F --nats-setup` against a real nats-server (P = 4):
// creates the partition streams and KV buckets from the config's jetstream input and prints
// the server's mappings stanza; a second run keeps everything; a run with another retention
// is refused naming the difference; a config without a jetstream input is refused. Every run
// is bounded by run_program's timeout.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/setup.h"
#include "tests/support/nats_server.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

namespace nats = daemon::nats;
using namespace std::chrono_literals;

constexpr std::uint32_t kPartitions = 4;
constexpr auto kRunTimeout = 30s;

class NatsSetupCommand : public ::testing::Test {
 protected:
  NatsSetupCommand() {
    NatsServerOptions options;
    options.subject = "ticks";
    options.partitions = kPartitions;
    server_ = std::make_unique<NatsServer>(options);
  }
  ~NatsSetupCommand() override {
    for (const auto& path : paths_) unlink(path.c_str());
  }

  std::string write_config(const std::string& text) {
    std::string path = "/tmp/lull-nats-setup-" + std::to_string(getpid()) + "-" +
                       std::to_string(paths_.size()) + ".yaml";
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }

  // A jetstream input on the fixture's server, and a rule that looks back 2h: the default
  // max_age is then 2h + replay_slack 5s + lease TTL 10s + 15m = 8115s.
  std::string jetstream_config() {
    return write_config(
        "inputs:\n  - {type: jetstream, servers: [" + server_->url() +
        "], stream_prefix: TICKS, subject: ticks, partitions: " + std::to_string(kPartitions) +
        ", owned: [0, 1]}\n"
        "state: {key_ttl: 3h}\n"
        "actions:\n  out: {type: log}\n"
        "rules:\n  - {name: jump, kind: deviation, match: {type: tick}, "
        "field: price, window: 2h, min_events: 10, threshold: 0.05, "
        "action: out}\n");
  }

  static Completed setup(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{LULLD_PATH, "--config", config, "--nats-setup"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_program(argv, kRunTimeout);
  }

  // The stream's config as the server has it; nullptr if there is no such stream.
  nats::StreamInfo stream(const std::string& name) {
    auto connection = nats::connect({server_->url()}, "nats_setup_test");
    auto js = nats::jetstream(*connection);
    jsStreamInfo* raw = nullptr;
    jsErrCode code{};
    natsStatus status = js_GetStreamInfo(&raw, js.get(), name.c_str(), nullptr, &code);
    if (status == NATS_NOT_FOUND || code == JSStreamNotFoundErr) return nullptr;
    nats::check(status, "stream info " + name, code);
    return nats::StreamInfo(raw);
  }

  std::unique_ptr<NatsServer> server_;
  std::vector<std::string> paths_;
};

TEST_F(NatsSetupCommand, CreatesTheStreamsAndBucketsAndPrintsTheMapping) {
  auto config = jetstream_config();
  auto run = setup(config);
  ASSERT_EQ(run.status, 0) << run.output << run.errors;
  EXPECT_EQ(run.errors, "");

  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    auto info = stream("TICKS_" + std::to_string(p));
    ASSERT_TRUE(info) << "TICKS_" << p << " missing";
    ASSERT_EQ(info->Config->SubjectsLen, 1);
    EXPECT_EQ(std::string(info->Config->Subjects[0]), "ticks." + std::to_string(p) + ".*");
    EXPECT_EQ(info->Config->Storage, js_FileStorage);
    EXPECT_EQ(info->Config->Replicas, 1);
    EXPECT_EQ(info->Config->MaxAge, std::chrono::nanoseconds(8115s).count());
  }
  EXPECT_FALSE(stream("TICKS_4"));
  for (const char* bucket : {"KV_TICKS_positions", "KV_TICKS_members", "KV_TICKS_leases"}) {
    EXPECT_TRUE(stream(bucket)) << bucket << " missing";
  }
  EXPECT_EQ(stream("KV_TICKS_leases")->Config->MaxAge, std::chrono::nanoseconds(10s).count());

  EXPECT_NE(run.output.find("TICKS_0..TICKS_3"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("max_age 8115s: 4 created"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(nats::mapping_stanza("ticks", kPartitions)), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(nats_mapping_stanza("ticks", kPartitions)), std::string::npos)
      << "the stanza printed is not the one the server runs with:\n"
      << run.output;
}

TEST_F(NatsSetupCommand, SecondRunKeepsEverything) {
  auto config = jetstream_config();
  auto first = setup(config, {"--max-age", "3h", "--lease-ttl=5s"});
  ASSERT_EQ(first.status, 0) << first.output << first.errors;
  auto second = setup(config, {"--max-age=3h", "--lease-ttl", "5s", "--replicas", "1"});
  ASSERT_EQ(second.status, 0) << second.output << second.errors;
  EXPECT_NE(second.output.find("max_age 10800s: 0 created, 4 already there"), std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("kv TICKS_leases: history 1, TTL 5s: already there"),
            std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("mappings = {"), std::string::npos) << second.output;
}

TEST_F(NatsSetupCommand, RefusesToChangeTheRetentionAndNamesTheDifference) {
  auto config = jetstream_config();
  ASSERT_EQ(setup(config).status, 0);
  auto conflict = setup(config, {"--max-age", "3h"});
  EXPECT_EQ(conflict.status, 1) << conflict.output << conflict.errors;
  EXPECT_EQ(conflict.output, "");
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    std::string line = "TICKS_" + std::to_string(p) + ": max_age 8115s, plan wants 10800s";
    EXPECT_NE(conflict.errors.find(line), std::string::npos) << conflict.errors;
  }
  EXPECT_EQ(stream("TICKS_0")->Config->MaxAge, std::chrono::nanoseconds(8115s).count());
}

TEST_F(NatsSetupCommand, WarnsOfARetentionShorterThanARebuildNeeds) {
  auto run = setup(jetstream_config(), {"--max-age", "1h"});  // the rule looks back 2h
  EXPECT_EQ(run.status, 0) << run.output << run.errors;
  EXPECT_NE(run.errors.find("warning: --max-age 1h is less than"), std::string::npos) << run.errors;
}

TEST_F(NatsSetupCommand, RefusesAConfigWithoutAJetstreamInput) {
  auto run = setup(write_config("inputs:\n  - {type: tcp, listen: 127.0.0.1:0}\n"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.errors.find("no jetstream input"), std::string::npos) << run.errors;
  EXPECT_EQ(run.output, "");
}

TEST_F(NatsSetupCommand, FailsWhenNoServerAnswers) {
  auto config = jetstream_config();
  server_->stop();
  auto started = std::chrono::steady_clock::now();
  auto run = setup(config);
  EXPECT_EQ(run.status, 1) << run.output << run.errors;
  EXPECT_NE(run.errors.find("lulld: "), std::string::npos) << run.errors;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
}

TEST_F(NatsSetupCommand, RejectsItsOptionsWithoutNatsSetup) {
  auto run = run_program({LULLD_PATH, "--config", jetstream_config(), "--max-age", "2h"}, 10s);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.errors.find("--max-age is only valid with --nats-setup"), std::string::npos)
      << run.errors;
}

}  // namespace
}  // namespace lull::testing
