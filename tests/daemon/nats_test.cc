// nats_test.cc: lull_nats against real nats-server 2.9 processes (tests/support/nats_server.h):
// the key -> partition function equals the server's {{partition(P,1)}} mapping, keys that
// cannot be placed are refused, `nats setup` is idempotent and refuses to change what exists,
// and the 3-node cluster fixture carries R3 streams. Every wait is bounded.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"
#include "daemon/nats/setup.h"
#include "tests/support/nats_server.h"

namespace lull::daemon::nats {
namespace {

using namespace std::chrono_literals;
using lull::testing::NatsCluster;
using lull::testing::NatsServer;
using lull::testing::NatsServerOptions;

constexpr std::uint32_t kPartitions = 8;

// The fixture's servers map ticks.<key> to ticks.<p>.<key> over kPartitions.
NatsServerOptions mapped() {
  NatsServerOptions options;
  options.subject = "ticks";
  options.partitions = kPartitions;
  return options;
}

SetupPlan plan_for(std::vector<std::string> servers, int replicas = 1) {
  SetupPlan plan;
  plan.servers = std::move(servers);
  plan.partitions = kPartitions;
  plan.replicas = replicas;
  plan.max_age = 1h;
  return plan;
}

// ~200 keys: ticks-workload style market names and some that stress the hash input (digits
// only, UTF-8, punctuation the server takes, keys longer than the server's 64-byte buffer).
std::vector<std::string> sample_keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < 170; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "m%05d", i * 37);
    keys.push_back(name);
  }
  for (const char* key : {"AAPL",
                          "BRK-B",
                          "x_y",
                          "0",
                          "7",
                          "12345",
                          "key:with:colons",
                          "#hash",
                          "a\"quote",
                          "tab-free~!@$%^&()",
                          "Z",
                          "zz",
                          "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87",
                          "\xe3\x82\xad\xe3\x83\xbc",
                          "UPPER",
                          "lower",
                          "MiXeD",
                          "a/b",
                          "a\\b",
                          "{{wildcard(1)}}",
                          "partition",
                          "ticks",
                          "-",
                          "_"}) {
    keys.push_back(key);
  }
  keys.push_back(std::string(64, 'k'));
  keys.push_back(std::string(65, 'k'));
  keys.push_back(std::string(300, 'q') + "end");
  for (int i = 0; i < 3; ++i) keys.push_back("long-" + std::string(100 + i, 'a' + i));
  return keys;
}

// FNV-1 (multiply, then xor): the near miss a wrong partition_of might use.
std::uint32_t fnv1_32(std::string_view bytes) {
  std::uint32_t hash = 2166136261u;
  for (char byte : bytes) {
    hash *= 16777619u;
    hash ^= static_cast<std::uint8_t>(byte);
  }
  return hash;
}

PubAck publish(jsCtx& js, const std::string& subject, const std::string& data,
               natsStatus* status = nullptr) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = 2000;
  jsPubAck* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus result = js_Publish(&raw, &js, subject.c_str(), data.data(),
                                 static_cast<int>(data.size()), &options, &code);
  if (status != nullptr) {
    *status = result;
  } else {
    check(result, "publish " + subject, code);
  }
  return PubAck(raw);
}

StreamInfo stream_info(jsCtx& js, const std::string& stream) {
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  check(js_GetStreamInfo(&raw, &js, stream.c_str(), nullptr, &code), "info " + stream, code);
  return StreamInfo(raw);
}

struct Stored {
  std::string subject;
  std::string data;
};

// Every message of `stream`, in order, read by sequence.
std::vector<Stored> read_stream(jsCtx& js, const std::string& stream) {
  StreamInfo info = stream_info(js, stream);
  std::vector<Stored> messages;
  for (std::uint64_t seq = info->State.FirstSeq; seq != 0 && seq <= info->State.LastSeq; ++seq) {
    natsMsg* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    check(js_GetMsg(&raw, &js, stream.c_str(), seq, nullptr, &code), "get " + stream, code);
    Message message(raw);
    messages.push_back(
        {natsMsg_GetSubject(raw),
         std::string(natsMsg_GetData(raw), static_cast<std::size_t>(natsMsg_GetDataLength(raw)))});
  }
  return messages;
}

TEST(NatsSubjectToken, AcceptsPlainTokensAndUtf8) {
  for (const char* key : {"m1", "m00042", "AAPL", "BRK-B", "x_y", "0", "a:b", "a/b", "#",
                          "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"}) {
    EXPECT_TRUE(is_subject_token(key)) << key;
  }
}

TEST(NatsSubjectToken, RefusesSeparatorsWildcardsWhitespaceAndControlBytes) {
  for (std::string key : {"", ".", "a.b", "a.", ".a", "*", ">", "a*", "a>b", "*a", "a b", " ",
                          "a\tb", "a\nb", "a\rb", "a\fb", "\x01", "a\x1f", "\x7f"}) {
    EXPECT_FALSE(is_subject_token(key)) << '"' << key << '"';
  }
  EXPECT_FALSE(is_subject_token(std::string("a\0b", 3)));
}

TEST(NatsPartitionOf, IsFnv1a32ModP) {
  // Published FNV-1a 32-bit test vectors.
  EXPECT_EQ(fnv1a_32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a_32("a"), 0xe40c292cu);
  EXPECT_EQ(fnv1a_32("foobar"), 0xbf9cf968u);
  EXPECT_EQ(partition_of("foobar", 8), 0xbf9cf968u % 8);
  EXPECT_EQ(partition_of("foobar", 1), 0u);
  EXPECT_EQ(partition_of("foobar", 64), 0xbf9cf968u % 64);
  // Bytes >= 0x80 hash as unsigned bytes, not sign-extended chars.
  EXPECT_EQ(fnv1a_32("\xff"), (0x811c9dc5u ^ 0xffu) * 16777619u);
}

TEST(NatsSetup, MappingStanzaIsTheOneTheFixtureRunsWith) {
  EXPECT_EQ(mapping_stanza("ticks", 8),
            "mappings = {\n  \"ticks.*\": \"ticks.{{partition(8,1)}}.{{wildcard(1)}}\"\n}\n");
  EXPECT_EQ(mapping_stanza("ticks", 64), lull::testing::nats_mapping_stanza("ticks", 64));
}

TEST(NatsSetup, RefusesBadPlansBeforeConnecting) {
  // No server listens on this URL: a refusal must come from the plan check, not the network.
  auto plan = plan_for({"nats://127.0.0.1:1"});
  auto refuses = [](SetupPlan bad, std::chrono::nanoseconds ttl = 10s) {
    EXPECT_THROW(set_up_jetstream(bad, ttl), std::invalid_argument);
  };
  auto bad = plan;
  bad.partitions = 0;
  refuses(bad);
  bad = plan;
  bad.replicas = 0;
  refuses(bad);
  bad.replicas = 6;
  refuses(bad);
  bad = plan;
  bad.max_age = 0s;
  refuses(bad);
  bad = plan;
  bad.stream_prefix = "TI.CKS";
  refuses(bad);
  bad.stream_prefix = "";
  refuses(bad);
  bad = plan;
  bad.subject = "ticks.*";
  refuses(bad);
  bad.subject = "ticks.";
  refuses(bad);
  bad = plan;
  bad.servers.clear();
  refuses(bad);
  refuses(plan, 0s);
  EXPECT_THROW(set_up_jetstream(plan, 10s), Error);  // a good plan reaches the network
}

TEST(NatsPartitions, KeyToPartitionEqualsWhereTheServerPutsEachMessage) {
  NatsServer server(mapped());
  auto report = set_up_jetstream(plan_for({server.url()}), 10s);
  ASSERT_EQ(report.created.size(), kPartitions + 3) << report.summary;

  Connection connection = connect({server.url()}, "nats_test");
  JetStream js = jetstream(*connection);
  auto keys = sample_keys();
  ASSERT_GE(keys.size(), 200u);
  std::set<std::string> distinct(keys.begin(), keys.end());
  ASSERT_EQ(distinct.size(), keys.size());

  std::map<std::string, std::uint32_t> expected;  // key -> partition_of
  std::size_t fnv1_disagrees = 0;
  for (const auto& key : keys) {
    ASSERT_TRUE(is_subject_token(key)) << key;
    expected[key] = partition_of(key, kPartitions);
    fnv1_disagrees += fnv1_32(key) % kPartitions != expected[key] ? 1 : 0;
    PubAck ack = publish(*js, "ticks." + key, key);
    // The ack names the stream that stored it: the server's choice of partition.
    EXPECT_EQ(std::string(ack->Stream), partition_stream("TICKS", expected[key])) << key;
  }
  // The comparison can tell near-miss hashes apart: FNV-1 would disagree for many keys.
  EXPECT_GT(fnv1_disagrees, keys.size() / 2);

  // Read every stream back: each message is under <subject>.<p>.<key> in stream TICKS_<p>.
  std::size_t seen = 0;
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    auto messages = read_stream(*js, partition_stream("TICKS", p));
    EXPECT_FALSE(messages.empty()) << "partition " << p << " got no key of " << keys.size();
    for (const auto& message : messages) {
      ++seen;
      ASSERT_TRUE(expected.count(message.data)) << message.data;
      EXPECT_EQ(message.subject, "ticks." + std::to_string(p) + "." + message.data);
      EXPECT_EQ(expected[message.data], p) << message.data;
    }
  }
  EXPECT_EQ(seen, keys.size());
}

TEST(NatsPartitions, KeyWithADotIsNotCaptured) {
  NatsServer server(mapped());
  set_up_jetstream(plan_for({server.url()}), 10s);
  Connection connection = connect({server.url()}, "nats_test");
  JetStream js = jetstream(*connection);
  // "x.y" is two tokens: "ticks.*" does not match, and no stream captures "ticks.x.y".
  natsStatus status = NATS_OK;
  PubAck ack = publish(*js, "ticks.x.y", "x.y", &status);
  EXPECT_NE(status, NATS_OK);
  EXPECT_EQ(ack, nullptr);
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(stream_info(*js, partition_stream("TICKS", p))->State.Msgs, 0u);
  }
}

TEST(NatsSetup, SecondRunKeepsEverythingAndCreatesNothing) {
  NatsServer server(mapped());
  auto plan = plan_for({server.url()});
  auto first = set_up_jetstream(plan, 10s);
  EXPECT_EQ(first.created.size(), kPartitions + 3);
  EXPECT_TRUE(first.existing.empty());
  auto second = set_up_jetstream(plan, 10s);
  EXPECT_TRUE(second.created.empty());
  EXPECT_EQ(second.existing.size(), kPartitions + 3);
  EXPECT_NE(second.summary.find("0 created, 8 already there"), std::string::npos) << second.summary;
  EXPECT_NE(second.summary.find(mapping_stanza("ticks", kPartitions)), std::string::npos);

  Connection connection = connect({server.url()}, "nats_test");
  JetStream js = jetstream(*connection);
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    auto info = stream_info(*js, partition_stream("TICKS", p));
    ASSERT_EQ(info->Config->SubjectsLen, 1);
    EXPECT_EQ(std::string(info->Config->Subjects[0]), "ticks." + std::to_string(p) + ".*");
    EXPECT_EQ(info->Config->Storage, js_FileStorage);
    EXPECT_EQ(info->Config->MaxAge, std::chrono::nanoseconds(1h).count());
    EXPECT_EQ(info->Config->Duplicates, std::chrono::nanoseconds(2min).count());
  }
  auto leases = stream_info(*js, "KV_" + leases_bucket("TICKS"));
  EXPECT_EQ(leases->Config->MaxAge, std::chrono::nanoseconds(10s).count());
  EXPECT_EQ(leases->Config->MaxMsgsPerSubject, 1);
  auto positions = stream_info(*js, "KV_" + positions_bucket("TICKS"));
  EXPECT_EQ(positions->Config->MaxAge, 0);
}

TEST(NatsSetup, RefusesToChangeWhatExistsAndSaysWhatDiffers) {
  NatsServer server(mapped());
  auto plan = plan_for({server.url()});
  set_up_jetstream(plan, 10s);

  auto longer = plan;
  longer.max_age = 2h;
  try {
    set_up_jetstream(longer, 10s);
    ADD_FAILURE() << "a different max_age was accepted";
  } catch (const SetupConflict& conflict) {
    EXPECT_EQ(conflict.differences().size(), kPartitions) << conflict.what();
    EXPECT_NE(std::string(conflict.what()).find("TICKS_3: max_age 3600s, plan wants 7200s"),
              std::string::npos)
        << conflict.what();
  }
  try {
    set_up_jetstream(plan, 30s);
    ADD_FAILURE() << "a different lease TTL was accepted";
  } catch (const SetupConflict& conflict) {
    EXPECT_EQ(conflict.differences().size(), 2u) << conflict.what();
    EXPECT_NE(std::string(conflict.what()).find("TICKS_leases: TTL 10s, plan wants 30s"),
              std::string::npos)
        << conflict.what();
  }
  auto fewer = plan;
  fewer.partitions = 4;
  EXPECT_THROW(set_up_jetstream(fewer, 10s), SetupConflict);
  // Nothing was changed by the refused runs.
  EXPECT_TRUE(set_up_jetstream(plan, 10s).created.empty());
}

TEST(NatsClusterFixture, ComesUpWithAMetaLeaderAndCarriesR3Streams) {
  NatsCluster cluster(mapped());
  std::string leader = cluster.meta_leader();
  EXPECT_TRUE(leader == "n1" || leader == "n2" || leader == "n3") << leader;
  ASSERT_EQ(cluster.urls().size(), 3u);

  auto plan = plan_for(cluster.urls(), 3);
  auto report = set_up_jetstream(plan, 10s);
  EXPECT_EQ(report.created.size(), kPartitions + 3) << report.summary;
  EXPECT_TRUE(set_up_jetstream(plan, 10s).created.empty());

  Connection connection = connect(cluster.urls(), "nats_test");
  JetStream js = jetstream(*connection);
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    auto info = stream_info(*js, partition_stream("TICKS", p));
    EXPECT_EQ(info->Config->Replicas, 3);
    ASSERT_NE(info->Cluster, nullptr);
    EXPECT_NE(info->Cluster->Leader, nullptr);
    EXPECT_EQ(info->Cluster->ReplicasLen, 2);  // the two followers
  }
  EXPECT_EQ(stream_info(*js, "KV_" + leases_bucket("TICKS"))->Config->Replicas, 3);
  // The mapping runs on every node: publish through each and check the stream.
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    Connection to_node = connect({cluster.node(i).url()}, "nats_test");
    JetStream node_js = jetstream(*to_node);
    std::string key = "m0000" + std::to_string(i);
    PubAck ack = publish(*node_js, "ticks." + key, key);
    EXPECT_EQ(std::string(ack->Stream), partition_stream("TICKS", partition_of(key, kPartitions)));
  }
}

TEST(NatsClusterFixture, ElectsANewMetaLeaderWhenTheLeaderIsKilled) {
  NatsCluster cluster;
  std::string leader = cluster.meta_leader();
  ASSERT_FALSE(leader.empty());
  NatsServer* killed = cluster.node_named(leader);
  ASSERT_NE(killed, nullptr);
  pid_t pid = killed->pid();
  killed->kill9();
  EXPECT_EQ(killed->pid(), -1);
  EXPECT_NE(kill(pid, 0), 0);  // gone, and reaped
  ASSERT_TRUE(cluster.wait_ready(30s));
  std::string next = cluster.meta_leader();
  EXPECT_FALSE(next.empty());
  EXPECT_NE(next, leader);
  killed->start();  // same ports and store: it rejoins
  EXPECT_TRUE(cluster.wait_ready(30s));
}

TEST(NatsServerFixture, StopsByPidAndRemovesItsStore) {
  std::string store;
  pid_t pid = -1;
  {
    NatsServer server;
    store = server.store_dir();
    pid = server.pid();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(server.ready());
    EXPECT_EQ(server.url(), "nats://127.0.0.1:" + std::to_string(server.port()));
    server.stop();
    EXPECT_FALSE(server.running());
    EXPECT_NE(kill(pid, 0), 0);
    server.start();
    EXPECT_TRUE(server.ready());
    pid = server.pid();
  }
  EXPECT_NE(kill(pid, 0), 0);
  EXPECT_FALSE(std::filesystem::exists(store));
}

}  // namespace
}  // namespace lull::daemon::nats
