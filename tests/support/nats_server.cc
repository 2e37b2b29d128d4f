// nats_server.cc: config generation, port choice, start/stop by PID and readiness polls for
// nats_server.h. Readiness is read from the monitoring port (/healthz, /jsz) with the plain
// HTTP client of net.h, so this library needs no libnats.
#include "tests/support/nats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "tests/support/net.h"

namespace lull::testing {
namespace {

using std::chrono::milliseconds;

// Ports for nats-server come from [10000, 20000): below the kernel's ephemeral range, since
// clients and routes keep reconnecting to a stopped server's port and a connect to a closed
// ephemeral port can connect to itself (see net.h), and apart from the [20000, 30000) of
// free_port_outside_ephemeral_range(). Each is handed out once per process, so the several
// ports a cluster needs before any server binds them are distinct. Another process may
// still take one before the server binds it; NatsServer retries a standalone server.
bool bindable(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

std::uint16_t next_port() {
  static std::mutex mutex;
  static int cursor = 10000 + static_cast<int>((getpid() * 7919L) % 10000);
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 10000; ++attempt) {
    auto port = static_cast<std::uint16_t>(cursor);
    cursor = cursor + 1 >= 20000 ? 10000 : cursor + 1;
    if (bindable(port)) return port;
  }
  throw std::runtime_error("nats fixture: no free loopback port in [10000, 20000)");
}

bool executable(const std::string& path) {
  return !path.empty() && access(path.c_str(), X_OK) == 0;
}

std::string make_temp_dir() {
  std::string pattern = "/tmp/lull-nats-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("nats fixture: mkdtemp failed");
  return pattern;
}

std::string tail(const std::string& text, std::size_t bytes = 4000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

// The string value of "leader" inside the "meta_cluster" object of a /jsz page; empty if
// there is none (no meta leader, or not clustered).
std::string meta_leader_of(const std::string& jsz) {
  auto object = jsz.find("\"meta_cluster\"");
  if (object == std::string::npos) return {};
  auto open = jsz.find('{', object);
  if (open == std::string::npos) return {};
  int depth = 0;
  std::size_t close = open;
  for (; close < jsz.size(); ++close) {
    if (jsz[close] == '{') ++depth;
    if (jsz[close] == '}' && --depth == 0) break;
  }
  std::string body = jsz.substr(open, close - open);
  // "leader" at depth 1 comes before "replicas" (whose entries have no leader field).
  auto key = body.find("\"leader\"");
  if (key == std::string::npos) return {};
  auto start = body.find('"', body.find(':', key));
  if (start == std::string::npos) return {};
  auto end = body.find('"', start + 1);
  if (end == std::string::npos) return {};
  return body.substr(start + 1, end - start - 1);
}

}  // namespace

std::string nats_server_binary() {
  if (const char* forced = std::getenv("LULL_NATS_SERVER"); forced != nullptr) {
    return executable(forced) ? forced : "";
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string dirs = path;
    std::size_t start = 0;
    while (start <= dirs.size()) {
      auto end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string candidate = dirs.substr(start, end - start) + "/nats-server";
      if (end > start && executable(candidate)) return candidate;
      start = end + 1;
    }
  }
  return executable("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "";
}

std::string nats_mapping_stanza(const std::string& subject, std::uint32_t partitions) {
  return "mappings = {\n  \"" + subject + ".*\": \"" + subject + ".{{partition(" +
         std::to_string(partitions) + ",1)}}.{{wildcard(1)}}\"\n}\n";
}

NatsServer::NatsServer(NatsServerOptions options) : options_(std::move(options)) {
  if (nats_server_binary().empty()) {
    throw std::runtime_error("nats fixture: no nats-server (apt install nats-server)");
  }
  dir_ = make_temp_dir();
  store_dir_ = dir_ + "/store";
  config_path_ = dir_ + "/nats.conf";
  // A standalone server whose port was taken between our check and its bind exits at once;
  // it gets new ports and another try. Cluster members cannot: the others route to them.
  const int attempts = options_.cluster_port == 0 ? 3 : 1;
  for (int attempt = 1;; ++attempt) {
    port_ = next_port();
    monitor_port_ = next_port();
    std::string text;
    text += "server_name: \"" + options_.name + "\"\n";
    text += "listen: \"127.0.0.1:" + std::to_string(port_) + "\"\n";
    text += "http: \"127.0.0.1:" + std::to_string(monitor_port_) + "\"\n";
    text += "jetstream {\n  store_dir: \"" + store_dir_ + "\"\n";
    text += "  max_memory_store: 256M\n  max_file_store: 2G\n";
    if (!options_.domain.empty()) text += "  domain: \"" + options_.domain + "\"\n";
    text += "}\n";
    if (options_.cluster_port != 0) {
      text += "cluster {\n  name: \"" + options_.cluster_name + "\"\n";
      text += "  listen: \"127.0.0.1:" + std::to_string(options_.cluster_port) + "\"\n";
      text += "  routes: [";
      for (auto route : options_.routes) {
        text += "\n    \"nats-route://127.0.0.1:" + std::to_string(route) + "\"";
      }
      text += "\n  ]\n}\n";
    }
    if (!options_.subject.empty())
      text += nats_mapping_stanza(options_.subject, options_.partitions);
    config_ = text;
    std::ofstream(config_path_) << config_;
    try {
      start();
      return;
    } catch (const std::runtime_error&) {
      bool port_taken = last_log_.find("address already in use") != std::string::npos;
      if (attempt >= attempts || !port_taken) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw;
      }
    }
  }
}

NatsServer::~NatsServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string NatsServer::url() const {
  return "nats://127.0.0.1:" + std::to_string(port_);
}

pid_t NatsServer::pid() const {
  return process_ ? process_->pid() : -1;
}

bool NatsServer::running() {
  return process_ && process_->running();
}

void NatsServer::start() {
  if (running()) return;
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{nats_server_binary(), "-c", config_path_});
  if (options_.wait_ready && !wait_ready(options_.ready_timeout)) {
    std::string what = "nats fixture: server " + options_.name + " on " + url() +
                       " not ready within " + std::to_string(options_.ready_timeout.count()) +
                       " ms; its log:\n";
    kill9();
    throw std::runtime_error(what + tail(last_log_));
  }
}

void NatsServer::stop(milliseconds grace) {
  if (!process_) return;
  if (process_->running()) {
    process_->signal(SIGTERM);
    process_->signal(SIGCONT);  // a stopped process would not see the SIGTERM
    if (!process_->wait(grace)) {
      process_->signal(SIGKILL);
      process_->wait(std::chrono::seconds(5));
    }
  }
  last_log_ = process_->errors();
  process_.reset();
}

void NatsServer::kill9() {
  if (!process_) return;
  if (process_->running()) {
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(5));
  }
  last_log_ = process_->errors();
  process_.reset();
}

void NatsServer::signal(int signal_number) {
  if (process_) process_->signal(signal_number);
}

std::string NatsServer::monitor(const std::string& path) {
  auto response = http_get(monitor_port_, path, milliseconds(1000));
  return response ? response->body : std::string();
}

bool NatsServer::ready() {
  return running() && monitor("/healthz").find("\"status\":\"ok\"") != std::string::npos;
}

bool NatsServer::wait_ready(milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!running()) return false;  // it exited: no point waiting
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

std::string NatsServer::log() const {
  return process_ ? process_->errors() : last_log_;
}

NatsCluster::NatsCluster(NatsServerOptions options, milliseconds ready_timeout) {
  options.cluster_name = "lull";
  options.routes = {next_port(), next_port(), next_port()};
  options.wait_ready = false;  // a lone member never gets a meta leader; wait for all below
  for (std::size_t i = 0; i < options.routes.size(); ++i) {
    options.name = "n" + std::to_string(i + 1);
    options.cluster_port = options.routes[i];
    nodes_.push_back(std::make_unique<NatsServer>(options));
  }
  if (!wait_ready(ready_timeout)) {
    std::string what = "nats fixture: cluster not ready (meta leader \"" + meta_leader() +
                       "\") within " + std::to_string(ready_timeout.count()) + " ms";
    for (auto& node : nodes_) {
      what += "\n--- " + node->name() + " (" + (node->ready() ? "ready" : "not ready") + "):\n";
      what += tail(node->log(), 2000);
    }
    throw std::runtime_error(what);
  }
}

NatsServer* NatsCluster::node_named(const std::string& name) {
  for (auto& node : nodes_) {
    if (node->name() == name) return node.get();
  }
  return nullptr;
}

std::vector<std::string> NatsCluster::urls() const {
  std::vector<std::string> urls;
  for (const auto& node : nodes_) urls.push_back(node->url());
  return urls;
}

std::string NatsCluster::meta_leader() {
  std::string leader;
  for (auto& node : nodes_) {
    if (!node->running()) continue;
    std::string seen = meta_leader_of(node->monitor("/jsz"));
    if (seen.empty() || (!leader.empty() && seen != leader)) return {};
    leader = seen;
  }
  // Right after a crash the others still name the dead server until they notice.
  NatsServer* named = node_named(leader);
  return named != nullptr && named->running() ? leader : std::string();
}

bool NatsCluster::wait_ready(milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool all_ready = true;
    for (auto& node : nodes_) {
      if (node->pid() != -1 && !node->ready()) all_ready = false;
    }
    if (all_ready && !meta_leader().empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(100));
  }
}

}  // namespace lull::testing
