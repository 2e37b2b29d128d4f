// jetstream_test.cc: several real lulld instances sharing one partitioned stream through a
// real nats-server (static assignment): every action exactly once on the jetstream action
// stream, from the instance that owns the key's partition; a restart rebuilds rule state from
// the stream instead of firing again; a crash (kill -9) repeats actions only as publishes the
// server drops by Nats-Msg-Id.
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"
#include "daemon/nats/setup.h"
#include "tests/integration/jetstream_support.h"
#include "tests/support/line_server.h"
#include "tests/support/nats_server.h"
#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

namespace nats = daemon::nats;
using namespace std::chrono_literals;

class JetStreamTest : public OneNatsServerTest {
 protected:
  void SetUp() override {
    OneNatsServerTest::SetUp();
    if (IsSkipped()) return;
    set_up_client(std::chrono::seconds(10));
  }

  std::vector<std::string> actions(std::size_t count) {
    return await_actions(*client_, count, 300ms);
  }

  // Each key's actions' seq fields, in stream order.
  static std::map<std::string, std::vector<int>> by_key(const std::vector<std::string>& actions) {
    std::map<std::string, std::vector<int>> keys;
    for (const auto& action : actions) {
      keys[field(action, "key")].push_back(std::stoi(field(action, "seq")));
    }
    return keys;
  }
};

// Every key ticks at `below`, then every key at `above` (a crossing of the `high` rule: each
// fires); returns each key's seq of its `above` tick.
std::map<std::string, int> cross_every_key(Client& client, double below, double above) {
  for (int i = 0; i < kKeys; ++i) client.tick(key_name(i), below);
  std::map<std::string, int> crossing;
  for (int i = 0; i < kKeys; ++i) {
    client.tick(key_name(i), above);
    crossing[key_name(i)] = client.last_seq();
  }
  return crossing;
}

// Instances owning `split` (a partition list each) together: every action once, from the
// key's partition, and every instance did its share.
void each_action_once_from_its_partition(Client& client, const std::string& url,
                                         const std::vector<std::vector<int>>& split) {
  std::vector<std::unique_ptr<Instance>> instances;
  for (const auto& owned : split) {
    instances.push_back(std::make_unique<Instance>(url, owned, "100ms"));
    ASSERT_NO_FATAL_FAILURE(instances.back()->start());
  }
  std::map<std::string, int> firing_seq = cross_every_key(client, 50, 150);
  for (int i = 0; i < kKeys; ++i) client.tick(key_name(i), 160);  // still above: does not

  const auto got = await_actions(client, kKeys, 300ms);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kKeys));
  std::set<std::string> keys;
  for (const auto& action : got) {
    const std::string key = field(action, "key");
    keys.insert(key);
    EXPECT_EQ(std::stoi(field(action, "seq")), firing_seq[key]) << action;
    EXPECT_EQ(field(action, "partition"), std::to_string(nats::partition_of(key, kPartitions)))
        << action;
    EXPECT_NE(field(action, "stream_seq"), "") << action;
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kKeys));
  double events = 0;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    Instance& instance = *instances[i];
    EXPECT_GT(instance.metric("lull_events_total"), 0) << instance.log();  // did its share
    EXPECT_EQ(instance.metric("lull_partitions_owned"), static_cast<double>(split[i].size()));
    events += instance.metric("lull_events_total");
  }
  EXPECT_EQ(events, 3 * kKeys);
  for (auto& instance : instances) EXPECT_EQ(instance->stop(), 0) << instance->log();
}

TEST_F(JetStreamTest, TwoInstancesFireEachActionOnceFromTheKeysPartition) {
  each_action_once_from_its_partition(*client_, server_->url(), {{0, 1}, {2, 3}});
}

TEST_F(JetStreamTest, ThreeInstancesFireEachActionOnceFromTheKeysPartition) {
  each_action_once_from_its_partition(*client_, server_->url(), {{0, 1}, {2}, {3}});
}

TEST_F(JetStreamTest, ARestartRebuildsStateFromTheStreamAndFiresNothingTwice) {
  Instance a(server_->url(), {0, 1, 2, 3}, "100ms");
  ASSERT_NO_FATAL_FAILURE(a.start());
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 150);  // fires
  ASSERT_EQ(actions(kKeys).size(), static_cast<std::size_t>(kKeys)) << a.log();
  ASSERT_EQ(a.stop(), 0) << a.log();

  // While it is down: still above (must not fire after the rebuild), then a new crossing.
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 170);
  std::map<std::string, int> second = cross_every_key(*client_, 60, 180);
  ASSERT_NO_FATAL_FAILURE(a.start());
  const auto got = actions(2 * kKeys);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(2 * kKeys)) << a.log();
  for (const auto& [key, seqs] : by_key(got)) {
    ASSERT_EQ(seqs.size(), 2u) << key;
    EXPECT_EQ(seqs[1], second[key]) << key;
  }
  // The first run's events were replayed (state), the later ones handled live; the replay
  // fired nothing (the server's de-duplication would hide repeats in the stream).
  EXPECT_EQ(a.metric("lull_partition_rebuild_events_total"), kKeys) << a.log();
  EXPECT_EQ(a.metric("lull_rule_fired_total"), kKeys) << a.log();
  EXPECT_EQ(a.metric("lull_actions_duplicate_suppressed_total"), 0) << a.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// A partition never read before starts at its stream's end, or, with replay_first_start,
// rebuilds from what its stream holds within the replay span first.
TEST_F(JetStreamTest, AFirstStartReplaysTheStreamsRecentPastWhenAsked) {
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 150);  // before any lulld: above
  InstanceOptions options;
  options.url = server_->url();
  options.owned = {0, 1, 2, 3};
  options.replay_first_start = true;
  Instance a(options);
  ASSERT_NO_FATAL_FAILURE(a.start());
  // Still above: the replay knows it, so no crossing (without it, each of these would fire).
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 160);
  std::map<std::string, int> crossing = cross_every_key(*client_, 60, 170);
  const auto got = actions(kKeys);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kKeys)) << a.log();
  for (const auto& [key, seqs] : by_key(got)) {
    ASSERT_EQ(seqs.size(), 1u) << key;
    EXPECT_EQ(seqs[0], crossing[key]) << key;
  }
  EXPECT_EQ(a.metric("lull_partition_rebuild_events_total"), kKeys) << a.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// A partition rebuilding a large backlog does not hold up another partition's live events:
// each partition has its share of the hand-off queue, and the reactor takes from each in
// turn. (With one queue for all, the live tick waited behind every replay message fetched
// before it: here the whole backlog, as max_pending is large and fetching outruns handling.)
TEST_F(JetStreamTest, APartitionsRebuildDoesNotHoldUpLiveOnes) {
  constexpr int kBacklog = 100'000;
  const auto rebuilt_keys = keys_of_partition(0, 10);
  const std::string live_key = keys_of_partition(1, 1)[0];
  {
    Instance a(server_->url(), {0, 1}, "100ms");
    ASSERT_NO_FATAL_FAILURE(a.start());
    client_->flood(rebuilt_keys, kBacklog, 50);  // none fires
    ASSERT_TRUE(eventually([&] { return a.metric("lull_events_total") == kBacklog; }, 60s))
        << a.log();
    ASSERT_EQ(a.stop(), 0) << a.log();  // commits the position: the backlog is replayed next
  }
  InstanceOptions options;
  options.url = server_->url();
  options.owned = {0, 1};
  options.max_pending = 1'000'000;
  Instance b(options);
  ASSERT_NO_FATAL_FAILURE(b.start());
  std::this_thread::sleep_for(200ms);  // the backlog's first batches are fetched
  client_->tick(live_key, 150);
  ASSERT_EQ(actions(1).size(), 1u) << b.log();
  const std::string rebuilding = R"(partition="0",state="rebuilding")";
  EXPECT_EQ(b.metric("lull_partition_state", rebuilding), 1)
      << "partition 0 rebuilt " << b.metric("lull_partition_rebuild_events_total")
      << " events before partition 1's live tick was handled";
  EXPECT_LT(b.metric("lull_partition_rebuild_events_total"), kBacklog);
  ASSERT_TRUE(
      eventually([&] { return b.metric("lull_partition_rebuild_events_total") == kBacklog; }, 60s))
      << b.log();
  EXPECT_EQ(b.metric("lull_rule_fired_total"), 1);
  EXPECT_EQ(b.stop(), 0) << b.log();
}

TEST_F(JetStreamTest, ACrashRepeatsActionsOnlyAsDuplicatesTheServerDrops) {
  // Positions are written at start and stop only: a crash loses every position since start.
  Instance a(server_->url(), {0, 1, 2, 3}, "10m");
  ASSERT_NO_FATAL_FAILURE(a.start());
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 150);
  ASSERT_EQ(actions(kKeys).size(), static_cast<std::size_t>(kKeys)) << a.log();
  a.kill9();

  ASSERT_NO_FATAL_FAILURE(a.start());  // handles the same events again, live
  ASSERT_TRUE(eventually([&] { return a.metric("lull_events_total") == kKeys; }, 15s)) << a.log();
  ASSERT_TRUE(
      eventually([&] { return a.metric("lull_actions_duplicate_suppressed_total") == kKeys; }, 15s))
      << a.log();
  EXPECT_EQ(actions(kKeys).size(), static_cast<std::size_t>(kKeys));
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// A crash with a tcp sink: after the restart, an action is repeated only if its event came
// after its partition's committed position (README's bound), and none is lost.
TEST_F(JetStreamTest, ACrashRepeatsOnATcpSinkOnlyActionsAfterTheCommittedPosition) {
  LineServer sink(0);
  sink.start();
  Instance a({server_->url(), {0, 1, 2, 3}, "100ms", 0, sink.port()});
  ASSERT_NO_FATAL_FAILURE(a.start());
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 150);  // fires
  ASSERT_TRUE(eventually([&] { return sink.count() == kKeys; }, 10s)) << a.log();
  std::this_thread::sleep_for(500ms);  // several commit intervals: these are committed
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 60);
  for (int i = 0; i < kKeys; ++i) client_->tick(key_name(i), 170);  // fires again
  a.kill9();  // some of the second round handled, few or none committed
  std::map<std::uint32_t, std::uint64_t> committed;
  for (std::uint32_t p = 0; p < kPartitions; ++p) committed[p] = client_->committed_seq(p);

  ASSERT_NO_FATAL_FAILURE(a.start());
  std::map<std::string, int> seen;  // partition/stream_seq -> actions
  ASSERT_TRUE(eventually(
      [&] {
        seen.clear();
        for (const auto& line : sink.lines())
          ++seen[field(line, "partition") + "/" + field(line, "stream_seq")];
        return seen.size() == static_cast<std::size_t>(2 * kKeys);
      },
      15s))
      << seen.size() << "\n"
      << a.log();
  std::size_t repeats = 0;
  for (const auto& [where, count] : seen) {
    if (count == 1) continue;
    ++repeats;
    const auto slash = where.find('/');
    const auto partition = static_cast<std::uint32_t>(std::stoul(where.substr(0, slash)));
    EXPECT_EQ(count, 2) << where;
    EXPECT_GT(std::stoull(where.substr(slash + 1)), committed[partition])
        << where << ": repeated although its partition had committed past it";
  }
  EXPECT_EQ(sink.count(), 2 * kKeys + repeats);
  EXPECT_EQ(a.stop(), 0) << a.log();
}

}  // namespace
}  // namespace lull::testing
