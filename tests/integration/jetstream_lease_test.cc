// jetstream_lease_test.cc: lulld instances sharing the partitions by lease (rendezvous
// hashing over the live members, KV leases with a 2 s TTL): they split the partitions as
// rendezvous hashing says; a killed instance's partitions are taken over within the lease
// TTL plus a rebuild, nothing lost and nothing doubled on the action stream; a graceful stop
// and start move partitions without a single repeat; a paused instance (a zombie) notices
// it lost its partitions and fires nothing for them.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/nats/rendezvous.h"
#include "daemon/nats/setup.h"
#include "tests/integration/jetstream_support.h"
#include "tests/support/nats_server.h"
#include "tests/support/net.h"

namespace lull::testing {
namespace {

namespace nats = daemon::nats;
using namespace std::chrono_literals;

class JetStreamLeaseTest : public OneNatsServerTest {
 protected:
  void SetUp() override {
    OneNatsServerTest::SetUp();
    if (IsSkipped()) return;
    set_up_client(std::chrono::seconds(2));
  }

  std::unique_ptr<Instance> instance(const std::string& id) {
    InstanceOptions options;
    options.url = server_->url();
    options.lease_instance = id;
    return std::make_unique<Instance>(options);
  }

  // Waits until each instance owns what rendezvous hashing over all of `ids` gives it.
  static bool settled(const std::vector<Instance*>& instances, const std::vector<std::string>& ids,
                      std::chrono::milliseconds timeout = 20s) {
    std::map<std::string, int> expected;
    for (std::uint32_t p = 0; p < kPartitions; ++p) ++expected[nats::rendezvous_owner(p, ids)];
    return eventually(
        [&] {
          for (std::size_t i = 0; i < instances.size(); ++i) {
            if (instances[i]->metric("lull_partitions_owned") != expected[ids[i]]) return false;
            for (std::uint32_t p = 0; p < kPartitions; ++p) {
              const bool mine = nats::rendezvous_owner(p, ids) == ids[i];
              const std::string live = "partition=\"" + std::to_string(p) + "\",state=\"live\"";
              const std::string rebuilding =
                  "partition=\"" + std::to_string(p) + "\",state=\"rebuilding\"";
              const bool reading = instances[i]->metric("lull_partition_state", live) == 1 ||
                                   instances[i]->metric("lull_partition_state", rebuilding) == 1;
              if (mine != reading) return false;
            }
          }
          return true;
        },
        timeout);
  }

  std::vector<std::string> actions(std::size_t count) {
    return await_actions(*client_, count, 300ms);
  }

  // Ticks every key once at `price`; returns key -> seq.
  std::map<std::string, int> round(double price) {
    std::map<std::string, int> seqs;
    for (int i = 0; i < kKeys; ++i) {
      client_->tick(key_name(i), price);
      seqs[key_name(i)] = client_->last_seq();
    }
    return seqs;
  }

  // Every action's (key, seq), checking that none came twice and each is in `expected`.
  static void expect_exactly(const std::vector<std::string>& got,
                             const std::vector<std::map<std::string, int>>& expected) {
    std::map<std::pair<std::string, int>, int> seen;
    for (const auto& action : got) ++seen[{field(action, "key"), std::stoi(field(action, "seq"))}];
    std::size_t want = 0;
    for (const auto& firing : expected) {
      for (const auto& [key, seq] : firing) {
        EXPECT_EQ((seen[{key, seq}]), 1) << key << " seq " << seq;
        ++want;
      }
    }
    EXPECT_EQ(got.size(), want);
  }
};

TEST_F(JetStreamLeaseTest, InstancesSplitThePartitionsByRendezvousAndFireEachActionOnce) {
  auto a = instance("a");
  auto b = instance("b");
  auto c = instance("c");
  ASSERT_NO_FATAL_FAILURE(a->start());
  ASSERT_NO_FATAL_FAILURE(b->start());
  ASSERT_NO_FATAL_FAILURE(c->start());
  ASSERT_TRUE(settled({a.get(), b.get(), c.get()}, {"a", "b", "c"})) << a->log() << b->log();
  round(50);
  const auto fired = round(150);
  expect_exactly(actions(kKeys), {fired});
  EXPECT_EQ(a->metric("lull_events_total") + b->metric("lull_events_total") +
                c->metric("lull_events_total"),
            2 * kKeys);
  for (Instance* i : {a.get(), b.get(), c.get()}) EXPECT_EQ(i->stop(), 0) << i->log();
}

TEST_F(JetStreamLeaseTest, AKilledInstancesPartitionsAreTakenOverAndRebuilt) {
  auto a = instance("a");
  auto b = instance("b");
  ASSERT_NO_FATAL_FAILURE(a->start());
  ASSERT_NO_FATAL_FAILURE(b->start());
  ASSERT_TRUE(settled({a.get(), b.get()}, {"a", "b"})) << a->log() << b->log();
  const auto first = round(150);  // fires
  ASSERT_EQ(actions(kKeys).size(), static_cast<std::size_t>(kKeys));

  const auto killed = std::chrono::steady_clock::now();
  a->kill9();
  round(170);  // still above: must not fire, on a's partitions either (rebuilt state)
  round(60);
  const auto second = round(180);  // fires
  ASSERT_TRUE(settled({b.get()}, {"b"})) << b->log();
  const auto takeover = std::chrono::steady_clock::now() - killed;
  // The lease lapses after 2 s; b's next round (every 2/3 s) takes it: well under 6 s.
  EXPECT_LT(takeover, 6s);
  expect_exactly(actions(2 * kKeys), {first, second});
  EXPECT_GT(b->metric("lull_partition_rebuild_events_total"), 0) << b->log();
  EXPECT_EQ(b->stop(), 0) << b->log();
}

TEST_F(JetStreamLeaseTest, AGracefulStopAndStartHandPartitionsOverWithoutARepeat) {
  auto a = instance("a");
  auto b = instance("b");
  ASSERT_NO_FATAL_FAILURE(a->start());
  ASSERT_NO_FATAL_FAILURE(b->start());
  ASSERT_TRUE(settled({a.get(), b.get()}, {"a", "b"})) << a->log() << b->log();
  const auto first = round(150);
  ASSERT_EQ(actions(kKeys).size(), static_cast<std::size_t>(kKeys));

  ASSERT_EQ(b->stop(), 0) << b->log();  // gives its leases back at once
  ASSERT_TRUE(settled({a.get()}, {"a"}, 5s)) << a->log();
  round(60);
  const auto second = round(160);
  // Ticks keep flowing while b comes back and takes its partitions over: a hands each over
  // with its last actions settled and its position committed, so b repeats none of them.
  std::vector<std::map<std::string, int>> flowing;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (int i = 0; !done || i % 2 == 1; ++i) {
      if (i % 2 == 0) {
        round(70);
      } else {
        flowing.push_back(round(170));
      }
    }
  });
  ASSERT_NO_FATAL_FAILURE(b->start());
  const bool rebalanced = settled({a.get(), b.get()}, {"a", "b"});
  std::this_thread::sleep_for(500ms);
  done = true;
  producer.join();
  ASSERT_TRUE(rebalanced) << a->log() << b->log();
  std::vector<std::map<std::string, int>> expected = {first, second};
  expected.insert(expected.end(), flowing.begin(), flowing.end());
  expect_exactly(actions(expected.size() * kKeys), expected);
  // Nothing was fired twice, so the server had nothing to drop.
  EXPECT_EQ(a->metric("lull_actions_duplicate_suppressed_total"), 0);
  EXPECT_EQ(b->metric("lull_actions_duplicate_suppressed_total"), 0);
  EXPECT_GE(a->metric("lull_partition_handoffs_total", "reason=\"graceful\""), 1) << a->log();
  EXPECT_EQ(a->stop(), 0) << a->log();
  EXPECT_EQ(b->stop(), 0) << b->log();
}

TEST_F(JetStreamLeaseTest, APausedInstanceNoticesItLostItsPartitionsAndFiresNothingForThem) {
  auto a = instance("a");
  auto b = instance("b");
  ASSERT_NO_FATAL_FAILURE(a->start());
  ASSERT_NO_FATAL_FAILURE(b->start());
  ASSERT_TRUE(settled({a.get(), b.get()}, {"a", "b"})) << a->log() << b->log();
  const double a_owned = a->metric("lull_partitions_owned");
  ASSERT_GT(a_owned, 0);

  a->signal(SIGSTOP);  // past its leases: b takes everything over
  ASSERT_TRUE(settled({b.get()}, {"b"})) << b->log();
  round(50);
  const auto fired = round(150);
  a->signal(SIGCONT);
  // It notices on its first round after waking (and may later take partitions back).
  auto lost = [&] {
    return a->metric("lull_partition_handoffs_total", "reason=\"lease_expired\"") +
           a->metric("lull_partition_handoffs_total", "reason=\"fenced\"");
  };
  ASSERT_TRUE(eventually([&] { return lost() == a_owned; }, 10s)) << a->log();
  expect_exactly(actions(kKeys), {fired});
  // What a had fetched before the pause it dropped: it published nothing the server refused.
  EXPECT_EQ(a->metric("lull_actions_duplicate_suppressed_total"), 0) << a->log();
  EXPECT_EQ(a->stop(), 0) << a->log();
  EXPECT_EQ(b->stop(), 0) << b->log();
}

}  // namespace
}  // namespace lull::testing
