// jetstream_cluster_test.cc: two lulld instances sharing the partitions (statically, and by
// lease) over a three-node nats-server cluster (partition streams, KV
// buckets and the action stream all R3, file storage). The node leading a partition stream
// is killed (-9) mid-run while ticks keep flowing: lulld goes on after the election, and every
// action the ticks call for is on the action stream exactly once. Nothing here relies on
// consumer state surviving the failover (2.9.10 has known replicated-consumer bugs): lulld's
// consumers are ephemeral (R1, on a random peer) and remade from where it was when theirs is
// lost with the node. Every wait is bounded; the test takes about 20 s.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"
#include "daemon/nats/setup.h"
#include "tests/integration/jetstream_support.h"
#include "tests/support/nats_server.h"
#include "tests/support/net.h"

namespace lull::testing {
namespace {

namespace nats = daemon::nats;
using namespace std::chrono_literals;

// Each key's prices cycle through these, starting at an offset of its own: the rule `high`
// fires on 150 (up from 60) and not on 170 (still above), so a lost rule state would show as
// an extra action; a key's first tick fires if it is above 100.
constexpr double kPrices[] = {50, 150, 170, 60};
constexpr int kCycle = 4;
constexpr std::uint32_t kKilledPartition = 0;

// A tick the publisher had acknowledged, and whether `high` must fire for it.
struct Published {
  std::string key;
  int seq;
  bool fires;
};

class JetStreamClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_server_binary().empty()) GTEST_SKIP() << "nats-server is not installed";
    NatsServerOptions options;
    options.partitions = kPartitions;
    cluster_ = std::make_unique<NatsCluster>(options);
    set_up_streams(cluster_->urls(), std::chrono::seconds(2), 3);
    client_ = std::make_unique<Client>(cluster_->urls());
    client_->add_action_stream(js_FileStorage, 3);
  }

  void TearDown() override { stop_publishing(); }

  // By lease as `id` when `leased`, else statically owning `owned`.
  std::unique_ptr<Instance> instance(bool leased, const std::string& id, std::vector<int> owned) {
    InstanceOptions options;
    options.servers = cluster_->urls();
    if (leased) {
      options.lease_instance = id;
    } else {
      options.owned = std::move(owned);
    }
    return std::make_unique<Instance>(options);
  }

  // Every partition read by exactly one of `instances`, within `timeout`.
  static bool all_partitions_read(const std::vector<Instance*>& instances,
                                  std::chrono::milliseconds timeout) {
    return eventually(
        [&] {
          for (std::uint32_t p = 0; p < kPartitions; ++p) {
            int readers = 0;
            for (Instance* i : instances) {
              const std::string partition = "partition=\"" + std::to_string(p) + "\",state=";
              if (i->metric("lull_partition_state", partition + "\"live\"") == 1 ||
                  i->metric("lull_partition_state", partition + "\"rebuilding\"") == 1) {
                ++readers;
              }
            }
            if (readers != 1) return false;
          }
          return true;
        },
        timeout);
  }

  // The server name of the leader of `stream`, as the cluster reports it; empty if none.
  std::string stream_leader(const std::string& stream) {
    try {
      nats::Connection connection = nats::connect(cluster_->urls(), "cluster_test");
      nats::JetStream js = nats::jetstream(*connection, 2000);
      jsStreamInfo* raw = nullptr;
      if (js_GetStreamInfo(&raw, js.get(), stream.c_str(), nullptr, nullptr) != NATS_OK) return {};
      nats::StreamInfo info(raw);
      return info->Cluster != nullptr && info->Cluster->Leader != nullptr ? info->Cluster->Leader
                                                                          : "";
    } catch (const nats::Error&) {
      return {};
    }
  }

  // Ticks every key, round after round, from a thread of its own until stop_publishing().
  // A publish that fails for 10 s (Client's retries) ends the thread and is reported.
  void start_publishing() {
    publisher_ = std::thread([this] {
      std::vector<bool> above(kKeys, false);  // each key's last price was above 100
      try {
        for (int round = 0; !stop_; ++round) {
          for (int i = 0; i < kKeys && !stop_; ++i) {
            const double price = kPrices[(round + i) % kCycle];
            client_->tick(key_name(i), price);
            const bool fires = price > 100 && !above[i];
            above[i] = price > 100;
            std::lock_guard lock(mutex_);
            published_.push_back({key_name(i), client_->last_seq(), fires});
          }
          std::this_thread::sleep_for(20ms);
        }
      } catch (const std::exception& error) {
        std::lock_guard lock(mutex_);
        publish_error_ = error.what();
      }
    });
  }

  void stop_publishing() {
    stop_ = true;
    if (publisher_.joinable()) publisher_.join();
  }

  std::size_t published_count() {
    std::lock_guard lock(mutex_);
    return published_.size();
  }

  std::vector<std::string> actions(std::size_t count) { return await_actions(*client_, count, 1s); }

  // The test: two instances (by lease, or statically), ticks flowing, the leader of partition
  // stream kKilledPartition killed; then every action once, and the node back.
  void kill_a_stream_leader_mid_run(bool leased);

  std::unique_ptr<NatsCluster> cluster_;
  std::unique_ptr<Client> client_;
  std::thread publisher_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Published> published_;
  std::string publish_error_;
};

void JetStreamClusterTest::kill_a_stream_leader_mid_run(bool leased) {
  auto a = instance(leased, "a", {0, 1});
  auto b = instance(leased, "b", {2, 3});
  ASSERT_NO_FATAL_FAILURE(a->start());
  ASSERT_NO_FATAL_FAILURE(b->start());
  ASSERT_TRUE(all_partitions_read({a.get(), b.get()}, 15s)) << a->log() << b->log();

  const std::string stream = nats::partition_stream("TICKS", kKilledPartition);
  start_publishing();
  ASSERT_TRUE(eventually([&] { return published_count() >= 3 * kKeys; }, 10s)) << publish_error_;
  std::string leader;
  ASSERT_TRUE(eventually(
      [&] {
        leader = stream_leader(stream);
        return !leader.empty();
      },
      5s));
  NatsServer* victim = cluster_->node_named(leader);
  ASSERT_NE(victim, nullptr) << leader;
  victim->kill9();
  const std::size_t before_kill = published_count();

  // A new leader within the election's bound, and ticks flowing again for a few seconds.
  std::string successor;
  EXPECT_TRUE(eventually(
      [&] {
        successor = stream_leader(stream);
        return !successor.empty() && successor != leader;
      },
      15s))
      << stream << " leader after killing " << leader << ": '" << successor << "'";
  const std::size_t after_election = published_count();
  std::this_thread::sleep_for(4s);
  stop_publishing();
  ASSERT_TRUE(publish_error_.empty()) << publish_error_;
  ASSERT_GT(published_count(), after_election + kKeys) << "publishing did not resume";

  // The model: which (key, seq) fire, and how many of them are of the killed partition and
  // were published after the kill (lulld must have gone on reading it).
  std::map<std::pair<std::string, int>, int> expected;
  std::size_t after_kill_on_partition = 0;
  for (std::size_t n = 0; n < published_.size(); ++n) {
    const Published& tick = published_[n];
    if (!tick.fires) continue;
    expected[{tick.key, tick.seq}] = 0;
    if (n >= before_kill && nats::partition_of(tick.key, kPartitions) == kKilledPartition) {
      ++after_kill_on_partition;
    }
  }
  ASSERT_GT(after_kill_on_partition, 0u);

  const std::vector<std::string> got = actions(expected.size());
  std::size_t unexpected = 0;
  for (const std::string& action : got) {
    auto it = expected.find({field(action, "key"), std::stoi(field(action, "seq"))});
    if (it == expected.end()) {
      if (++unexpected <= 5) ADD_FAILURE() << "unexpected action " << action;
      continue;
    }
    ++it->second;
  }
  std::size_t missing = 0;
  std::size_t doubled = 0;
  for (const auto& [tick, times] : expected) {
    if (times == 0 && ++missing <= 5) {
      ADD_FAILURE() << "missing " << tick.first << " " << tick.second;
    }
    if (times > 1 && ++doubled <= 5) {
      ADD_FAILURE() << tick.first << " " << tick.second << " " << times << " times";
    }
  }
  EXPECT_EQ(got.size(), expected.size())
      << missing << " missing, " << doubled << " doubled, " << unexpected << " unexpected\n"
      << "--- a:\n"
      << a->log() << "--- b:\n"
      << b->log();
  EXPECT_GT(a->metric("lull_jetstream_connected") + b->metric("lull_jetstream_connected"), 1);

  // The killed node comes back and catches up; the instances stop cleanly.
  ASSERT_NO_THROW(victim->start());
  EXPECT_TRUE(cluster_->wait_ready(15s));
  EXPECT_EQ(a->stop(), 0) << a->log();
  EXPECT_EQ(b->stop(), 0) << b->log();
}

// Static assignment: a reads partitions 0 and 1, b reads 2 and 3.
TEST_F(JetStreamClusterTest, AStreamLeaderKilledMidRunLosesAndDoublesNoAction) {
  kill_a_stream_leader_mid_run(false);
}

// The same with lease assignment: the leases bucket is an R3 stream too, so its leader may be
// the node killed; a round of lease renewals must not block past the lease TTL meanwhile
// (the JetStream API wait is a quarter of it).
TEST_F(JetStreamClusterTest, AStreamLeaderKilledMidRunLosesAndDoublesNoActionByLease) {
  kill_a_stream_leader_mid_run(true);
}

}  // namespace
}  // namespace lull::testing
