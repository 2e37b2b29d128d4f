// jetstream_support.h: helpers shared by the jetstream integration tests (jetstream_test.cc,
// jetstream_faults_test.cc): a NATS client that publishes ticks and reads the action stream
// back, and a real lulld instance whose config is written from a few options.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/nats/nats_handles.h"
#include "tests/support/nats_server.h"
#include "tests/support/subprocess.h"

namespace lull::testing {

inline constexpr std::uint32_t kPartitions = 4;
inline constexpr int kKeys = 40;
inline const std::string kActionStream = "LULL_ACTIONS";

// "k100", "k101", ...
std::string key_name(int i);

// `count` keys of partition `partition`, from key_name(first) on.
std::vector<std::string> keys_of_partition(std::uint32_t partition, int count, int first = 0);

// A tick as an NDJSON line (no newline), stamped now: {"seq":..,"ts":..,"key":..,"type":<type>,
// "price":..}.
std::string tick_line(int seq, const std::string& key, double price,
                      const std::string& type = "tick");

// The value of `name` in a flat JSON object (string or number), empty if absent.
std::string field(const std::string& json, const std::string& name);

// Publishes ticks to ticks.<key> with a PubAck each, and reads the action stream back.
class Client {
 public:
  explicit Client(const std::string& url);
  // Connected to any of `urls` (a cluster): libnats reconnects to another when one goes.
  explicit Client(const std::vector<std::string>& urls);

  // The action stream LULL_ACTIONS capturing lull.actions.>, with `replicas` (a cluster's).
  void add_action_stream(jsStorageType storage = js_MemoryStorage, int replicas = 1);

  // The next tick's NDJSON line (no newline), for a tcp input: it takes the next seq.
  std::string event(const std::string& key, double price);
  // Publishes the next tick to ticks.<key> and waits for its PubAck, retrying (with the same
  // Nats-Msg-Id, so that the stream keeps one) for up to 10 s while the server is away.
  void tick(const std::string& key, double price);
  int last_seq() const { return seq_; }
  // Publishes `count` ticks at `price`, round-robin over `keys`, without PubAcks (core
  // publish, flushed once): a backlog made in a fraction of a second. Throws unless the key's
  // partition streams then hold `count` more messages.
  void flood(const std::vector<std::string>& keys, int count, double price);

  // Every message in the action stream, in order.
  std::vector<std::string> actions();
  // The stream sequence of `partition`'s committed position (KV pos.<p>); 0 when it has none.
  std::uint64_t committed_seq(std::uint32_t partition);

 private:
  daemon::nats::Connection connection_;
  daemon::nats::JetStream js_;
  std::string id_prefix_;  // of the Nats-Msg-Id of its ticks: unique to this client
  int seq_ = 0;
};

// What a lulld instance is configured with. One rule, `high` (a tick whose price crosses
// above 100), fires to the action `out`.
struct InstanceOptions {
  std::string url;                        // the NATS server of the input and the sink
  std::vector<int> owned;                 // the jetstream input's partitions; empty: none
  std::string commit_interval = "100ms";  // of the jetstream input
  std::uint16_t tcp_input = 0;            // non-zero: also a tcp input on 127.0.0.1:<port>
  std::uint16_t tcp_sink = 0;  // non-zero: `out` is a tcp sink to 127.0.0.1:<port>; else jetstream
  // Non-zero: also an action `side`, a tcp sink to 127.0.0.1:<port>, and a rule `side` that
  // fires to it when an event of type "side" crosses above 100.
  std::uint16_t side_sink = 0;
  // The fields below are set by name: positional initializers ({url, owned, commit_interval,
  // tcp_input, tcp_sink, side_sink}, as in jetstream_faults_test.cc) stop before them. Each
  // has a default initializer, so that those need not name them (-Wmissing-field-initializers).
  // Non-empty: the jetstream input takes its partitions by lease, as this instance id, with
  // this lease_ttl (owned is then ignored).
  std::string lease_instance{};
  std::string lease_ttl = "2s";
  // Non-empty: the servers of the input and the sink instead of url (a cluster's).
  std::vector<std::string> servers{};
  // The static jetstream input's max_pending and replay_first_start.
  std::size_t max_pending = 10'000;
  bool replay_first_start = false;
};

// The kPartitions partition streams and the KV buckets (leases with `lease_ttl`) on `servers`,
// with `replicas` each, kept for an hour.
void set_up_streams(const std::vector<std::string>& servers, std::chrono::seconds lease_ttl,
                    int replicas = 1);

// Waits (20 s at most) until `client`'s action stream holds `count` actions, then `settle`
// longer so that an extra one would show. A read that fails (the client reconnecting, the
// stream electing a leader) counts as none.
std::vector<std::string> await_actions(Client& client, std::size_t count,
                                       std::chrono::milliseconds settle);

// A fixture with one nats-server mapping kPartitions partitions, started for each test;
// skipped where nats-server is not installed.
class OneNatsServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // The streams and buckets (leases with `lease_ttl`), and client_ with its action stream.
  void set_up_client(std::chrono::seconds lease_ttl);

  std::unique_ptr<NatsServer> server_;
  std::unique_ptr<Client> client_;
};

class Instance {
 public:
  explicit Instance(InstanceOptions options);
  Instance(const std::string& url, std::vector<int> owned, const std::string& commit_interval);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Starts lulld and waits (15 s at most) until it is connected to NATS and has each owned
  // partition's start position (read and fenced, or made): a tick published after is read.
  void start();
  // Starts lulld and waits (15 s at most) only for its metrics page: NATS may be away.
  void start_unconnected();
  int stop();  // SIGTERM; the exit status, -1 if it did not exit within 15 s
  void kill9();
  void signal(int signal_number);  // SIGSTOP, SIGCONT
  std::string log() const;

  // The value of an unlabelled (or first labelled) series, -1 if absent.
  double metric(const std::string& name) const;
  // The value of `name{labels}` (labels as on the page, e.g. `input="tcp"`), -1 if absent.
  double metric(const std::string& name, const std::string& labels) const;

 private:
  std::vector<int> owned_;
  bool leased_ = false;
  std::uint16_t metrics_port_;
  std::string config_path_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace lull::testing
