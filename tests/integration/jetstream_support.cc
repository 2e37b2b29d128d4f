// jetstream_support.cc: Client and Instance of jetstream_support.h.
#include "tests/integration/jetstream_support.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "daemon/nats/partition.h"
#include "daemon/nats/position.h"
#include "daemon/nats/setup.h"
#include "tests/support/net.h"

namespace lull::testing {

namespace nats = daemon::nats;
using namespace std::chrono_literals;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Distinct names for the files and message ids of several clients and instances in a test.
int next_serial() {
  static std::atomic<int> serial{0};
  return ++serial;
}

// The lulld under test: $LULL_TEST_LULLD (say, a build with a fault put in, to see a test
// fail), else the one built with the tests.
std::string lulld_path() {
  const char* forced = std::getenv("LULL_TEST_LULLD");
  return forced != nullptr && *forced != '\0' ? forced : LULLD_PATH;
}

}  // namespace

std::string key_name(int i) {
  return "k" + std::to_string(100 + i);
}

std::vector<std::string> keys_of_partition(std::uint32_t partition, int count, int first) {
  std::vector<std::string> keys;
  for (int i = first; static_cast<int>(keys.size()) < count; ++i) {
    if (nats::partition_of(key_name(i), kPartitions) == partition) {
      keys.push_back(key_name(i));
    }
  }
  return keys;
}

std::string tick_line(int seq, const std::string& key, double price, const std::string& type) {
  return R"({"seq":)" + std::to_string(seq) + R"(,"ts":)" + std::to_string(now_ns()) +
         R"(,"key":")" + key + R"(","type":")" + type + R"(","price":)" + std::to_string(price) +
         "}";
}

std::string field(const std::string& json, const std::string& name) {
  std::smatch match;
  const std::regex pattern("\"" + name + "\":\"?([^,\"}]*)");
  return std::regex_search(json, match, pattern) ? match[1].str() : "";
}

Client::Client(const std::string& url) : Client(std::vector<std::string>{url}) {}

std::uint64_t Client::committed_seq(std::uint32_t partition) {
  kvStore* raw_bucket = nullptr;
  const std::string bucket = nats::positions_bucket("TICKS");
  nats::check(js_KeyValue(&raw_bucket, js_.get(), bucket.c_str()), "KV bucket " + bucket);
  nats::KeyValue positions(raw_bucket);
  kvEntry* raw_entry = nullptr;
  const std::string key = nats::position_key(partition);
  const natsStatus status = kvStore_Get(&raw_entry, positions.get(), key.c_str());
  nats::KeyValueEntry entry(raw_entry);
  if (status == NATS_NOT_FOUND) return 0;
  nats::check(status, "read " + key);
  const auto stored = nats::decode_position(
      std::string_view(static_cast<const char*>(kvEntry_Value(entry.get())),
                       static_cast<std::size_t>(kvEntry_ValueLen(entry.get()))));
  if (!stored) throw std::runtime_error("undecodable " + key);
  return stored->position.seq;
}

Client::Client(const std::vector<std::string>& urls)
    : connection_(nats::connect(urls, "jetstream_test")),
      js_(nats::jetstream(*connection_)),
      id_prefix_("test-" + std::to_string(getpid()) + "-" + std::to_string(next_serial()) + "-") {}

void Client::add_action_stream(jsStorageType storage, int replicas) {
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = kActionStream.c_str();
  const char* subjects[] = {"lull.actions.>"};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = storage;
  config.Replicas = replicas;
  jsStreamInfo* info = nullptr;
  jsErrCode code{};
  nats::check(js_AddStream(&info, js_.get(), &config, nullptr, &code), "add action stream", code);
  jsStreamInfo_Destroy(info);
}

std::string Client::event(const std::string& key, double price) {
  return tick_line(++seq_, key, price);
}

void Client::tick(const std::string& key, double price) {
  const std::string line = event(key, price);
  const std::string subject = "ticks." + key;
  const std::string id = id_prefix_ + std::to_string(seq_);
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = id.c_str();
  options.MaxWait = 2000;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    jsPubAck* ack = nullptr;
    jsErrCode code{};
    const natsStatus status = js_Publish(&ack, js_.get(), subject.c_str(), line.data(),
                                         static_cast<int>(line.size()), &options, &code);
    jsPubAck_Destroy(ack);
    if (status == NATS_OK) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      nats::check(status, "publish " + subject, code);
    }
    std::this_thread::sleep_for(100ms);
  }
}

void Client::flood(const std::vector<std::string>& keys, int count, double price) {
  auto stored = [&] {
    std::uint64_t total = 0;
    std::set<std::uint32_t> partitions;
    for (const auto& key : keys) partitions.insert(nats::partition_of(key, kPartitions));
    for (std::uint32_t p : partitions) {
      jsStreamInfo* raw = nullptr;
      const std::string stream = nats::partition_stream("TICKS", p);
      nats::check(js_GetStreamInfo(&raw, js_.get(), stream.c_str(), nullptr, nullptr),
                  "stream info " + stream);
      total += nats::StreamInfo(raw)->State.Msgs;
    }
    return total;
  };
  const std::uint64_t before = stored();
  for (int i = 0; i < count; ++i) {
    const std::string& key = keys[static_cast<std::size_t>(i) % keys.size()];
    const std::string line = event(key, price);
    nats::check(
        natsConnection_PublishString(connection_.get(), ("ticks." + key).c_str(), line.c_str()),
        "publish");
  }
  nats::check(natsConnection_FlushTimeout(connection_.get(), 10000), "flush");
  const bool all = eventually([&] { return stored() == before + count; }, 10s);
  if (!all) throw std::runtime_error("flood: the streams did not store every message");
}

std::vector<std::string> Client::actions() {
  std::vector<std::string> out;
  jsStreamInfo* raw = nullptr;
  nats::check(js_GetStreamInfo(&raw, js_.get(), kActionStream.c_str(), nullptr, nullptr),
              "action stream info");
  nats::StreamInfo info(raw);
  for (std::uint64_t seq = info->State.FirstSeq; seq <= info->State.LastSeq && seq > 0; ++seq) {
    natsMsg* msg = nullptr;
    if (js_GetMsg(&msg, js_.get(), kActionStream.c_str(), seq, nullptr, nullptr) != NATS_OK) {
      continue;
    }
    out.emplace_back(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
  }
  return out;
}

Instance::Instance(InstanceOptions options)
    : owned_(options.owned),
      metrics_port_(free_port()),
      config_path_("/tmp/lull-js-" + std::to_string(getpid()) + "-" +
                   std::to_string(next_serial()) + ".yaml") {
  std::string servers = options.url;
  if (!options.servers.empty()) {
    servers.clear();
    for (const auto& server : options.servers) servers += (servers.empty() ? "" : ", ") + server;
  }
  std::ofstream config(config_path_);
  config << "inputs:\n";
  if (!options.lease_instance.empty()) {
    config << "  - {type: jetstream, servers: [" << servers << "], partitions: " << kPartitions
           << ", assignment: lease, instance: " << options.lease_instance
           << ", lease_ttl: " << options.lease_ttl
           << ", commit_interval: " << options.commit_interval << "}\n";
    leased_ = true;
  } else if (!options.owned.empty()) {
    std::string list;
    for (int p : options.owned) list += (list.empty() ? "" : ", ") + std::to_string(p);
    config << "  - {type: jetstream, servers: [" << servers << "], partitions: " << kPartitions
           << ", owned: [" << list << "], commit_interval: " << options.commit_interval
           << ", max_pending: " << options.max_pending
           << ", replay_first_start: " << (options.replay_first_start ? "true" : "false") << "}\n";
  }
  if (options.tcp_input != 0) {
    config << "  - {type: tcp, listen: 127.0.0.1:" << options.tcp_input << "}\n";
  }
  config << "metrics: {listen: 127.0.0.1:" << metrics_port_ << "}\n";
  if (options.tcp_sink != 0) {
    config << "actions:\n  out: {type: tcp, target: 127.0.0.1:" << options.tcp_sink
           << ", reconnect_max: 200ms}\n";
  } else {
    config << "actions:\n  out: {type: jetstream, servers: [" << servers << "]}\n";
  }
  if (options.side_sink != 0) {
    config << "  side: {type: tcp, target: 127.0.0.1:" << options.side_sink
           << ", reconnect_max: 200ms}\n";
  }
  config << "rules:\n  - {name: high, kind: threshold, match: {type: tick}, field: price, "
            "above: 100, action: out}\n";
  if (options.side_sink != 0) {
    config << "  - {name: side, kind: threshold, match: {type: side}, field: price, "
              "above: 100, action: side}\n";
  }
}

Instance::Instance(const std::string& url, std::vector<int> owned,
                   const std::string& commit_interval)
    : Instance([&] {
        InstanceOptions options;
        options.url = url;
        options.owned = std::move(owned);
        options.commit_interval = commit_interval;
        return options;
      }()) {}

Instance::~Instance() {
  unlink(config_path_.c_str());
}

void Instance::start() {
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{lulld_path(), "--config", config_path_});
  // A partition's state is set once its position is read and fenced, or made at the stream's
  // end: from then on a tick published to it is read. ("reading partitions" is logged before.)
  ASSERT_TRUE(eventually(
      [&] {
        if (leased_) {
          return process_->errors().find("by lease as") != std::string::npos &&
                 metric("lull_jetstream_connected") == 1;
        }
        if (process_->errors().find("reading partitions") == std::string::npos ||
            metric("lull_jetstream_connected") != 1) {
          return false;
        }
        for (int p : owned_) {
          const std::string partition = "partition=\"" + std::to_string(p) + "\",state=";
          if (metric("lull_partition_state", partition + "\"live\"") != 1 &&
              metric("lull_partition_state", partition + "\"rebuilding\"") != 1) {
            return false;
          }
        }
        return true;
      },
      15s))
      << process_->errors();
}

void Instance::start_unconnected() {
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{lulld_path(), "--config", config_path_});
  ASSERT_TRUE(
      eventually([&] { return http_get(metrics_port_, "/metrics", 200ms).has_value(); }, 15s))
      << process_->errors();
}

int Instance::stop() {
  process_->signal(SIGTERM);
  const auto status = process_->wait(15s);
  return status.value_or(-1);
}

void Instance::signal(int signal_number) {
  process_->signal(signal_number);
}

void Instance::kill9() {
  process_->signal(SIGKILL);
  process_->wait(5s);
}

std::string Instance::log() const {
  return process_ ? process_->errors() : "";
}

double Instance::metric(const std::string& name) const {
  const auto page = http_get(metrics_port_, "/metrics", 500ms);
  if (!page) return -1;
  std::smatch match;
  const std::regex line("\n" + name + "(\\{[^}]*\\})? ([-0-9.e+]+)");
  return std::regex_search(page->body, match, line) ? std::stod(match[2].str()) : -1;
}

double Instance::metric(const std::string& name, const std::string& labels) const {
  const auto page = http_get(metrics_port_, "/metrics", 500ms);
  if (!page) return -1;
  return metric_value(page->body, name, labels).value_or(-1);
}

void set_up_streams(const std::vector<std::string>& servers, std::chrono::seconds lease_ttl,
                    int replicas) {
  daemon::nats::SetupPlan plan;
  plan.servers = servers;
  plan.partitions = kPartitions;
  plan.replicas = replicas;
  plan.max_age = std::chrono::hours(1);
  daemon::nats::set_up_jetstream(plan, lease_ttl);
}

std::vector<std::string> await_actions(Client& client, std::size_t count,
                                       std::chrono::milliseconds settle) {
  std::vector<std::string> got;
  auto read = [&] {
    try {
      got = client.actions();
    } catch (const daemon::nats::Error&) {
      got.clear();
    }
  };
  eventually(
      [&] {
        read();
        return got.size() >= count;
      },
      std::chrono::seconds(20));
  std::this_thread::sleep_for(settle);
  read();
  return got;
}

void OneNatsServerTest::SetUp() {
  if (nats_server_binary().empty()) GTEST_SKIP() << "nats-server is not installed";
  NatsServerOptions options;
  options.partitions = kPartitions;
  server_ = std::make_unique<NatsServer>(options);
}

void OneNatsServerTest::set_up_client(std::chrono::seconds lease_ttl) {
  set_up_streams({server_->url()}, lease_ttl);
  client_ = std::make_unique<Client>(server_->url());
  client_->add_action_stream();
}

}  // namespace lull::testing
