// nats_server.h: real nats-server processes for integration tests, on 127.0.0.1 only: one
// server (NatsServer) or a 3-node JetStream cluster (NatsCluster, servers n1..n3). Each
// server gets free ports, a temporary directory (config file + JetStream store, removed by
// the destructor) and the partition mapping "<subject>.*" ->
// "<subject>.{{partition(P,1)}}.{{wildcard(1)}}". "Ready" means /healthz on the server's
// monitoring port says ok: clients are accepted, JetStream is up and, in a cluster, the
// server is current with an elected meta leader. Every wait is bounded; a server that does
// not get ready throws with the end of its log. Processes are stopped by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace lull::testing {

struct NatsServerOptions {
  std::string subject = "ticks";  // mapped subject; empty: no mappings stanza
  std::uint32_t partitions = 8;   // P in {{partition(P,1)}}
  std::string name = "solo";      // server_name
  std::string domain;             // JetStream domain; empty: none
  std::chrono::milliseconds ready_timeout{5000};
  bool wait_ready = true;  // the constructor and start() wait; NatsCluster waits for all
  // Cluster membership, filled by NatsCluster; cluster_port 0 means standalone.
  std::string cluster_name;
  std::uint16_t cluster_port = 0;
  std::vector<std::uint16_t> routes;  // every member's cluster port, this one's included
};

// The nats-server binary: $LULL_NATS_SERVER, else the first nats-server on $PATH, else
// /usr/sbin/nats-server (Debian's place). Empty if none is executable.
std::string nats_server_binary();

// The `mappings` stanza the fixture writes for `subject` and `partitions`.
std::string nats_mapping_stanza(const std::string& subject, std::uint32_t partitions);

class NatsServer {
 public:
  // Picks free ports, writes the config and starts the server; with options.wait_ready, waits
  // until ready and throws std::runtime_error (with the log) if it is not within the timeout.
  explicit NatsServer(NatsServerOptions options = {});
  ~NatsServer();  // stop(), then removes the directory
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  std::string url() const;  // nats://127.0.0.1:PORT
  std::uint16_t port() const { return port_; }
  std::uint16_t monitor_port() const { return monitor_port_; }
  const std::string& name() const { return options_.name; }
  const std::string& store_dir() const { return store_dir_; }
  pid_t pid() const;  // -1 when no process has been started or it was stopped
  bool running();

  // Starts it again (same ports, config and store) after stop() or kill9().
  void start();
  // SIGTERM, up to `grace` for it to exit, then SIGKILL. A no-op when not running.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void kill9();                    // SIGKILL and reap: a crash, store left as it was
  void signal(int signal_number);  // SIGSTOP/SIGCONT/SIGHUP; running() stays true

  bool ready();  // one /healthz poll
  bool wait_ready(std::chrono::milliseconds timeout);
  // GET http://127.0.0.1:<monitor>/<path> (e.g. "/jsz"); empty on failure.
  std::string monitor(const std::string& path);
  std::string log() const;  // what the server wrote (stderr) since its last start
  const std::string& config_text() const { return config_; }

 private:
  NatsServerOptions options_;
  std::uint16_t port_ = 0;
  std::uint16_t monitor_port_ = 0;
  std::string dir_;
  std::string store_dir_;
  std::string config_path_;
  std::string config_;
  std::unique_ptr<Subprocess> process_;
  std::string last_log_;  // the log of a process that was stopped, for log()
};

// Three servers n1..n3 in cluster "lull", routes on free loopback ports, one JetStream meta
// group. The constructor returns once every server is ready and all agree on a meta leader.
class NatsCluster {
 public:
  explicit NatsCluster(NatsServerOptions options = {},
                       std::chrono::milliseconds ready_timeout = std::chrono::seconds(20));
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  NatsServer& node(std::size_t index) { return *nodes_.at(index); }  // 0..2 = n1..n3
  NatsServer* node_named(const std::string& name);                   // nullptr if none
  std::vector<std::string> urls() const;                             // one per node

  // The meta leader's server name as every running node sees it; empty if they do not agree
  // or name a node that is not running (as they do for a while after it was killed).
  std::string meta_leader();
  // Every running node ready and agreeing on a meta leader, within `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout);

 private:
  std::vector<std::unique_ptr<NatsServer>> nodes_;
};

}  // namespace lull::testing
