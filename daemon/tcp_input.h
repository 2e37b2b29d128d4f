// tcp_input.h: a TCP listener whose connections each carry a stream of NDJSON lines.
// Each connection frames its bytes with a LineFramer and hands lines to Ingest. At most
// max_connections are open; one more is accepted and closed at once, and counted. A
// connection that sends nothing for idle_timeout is closed, and counted.
// Reactor thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "config/config.h"
#include "daemon/daemon_metrics.h"
#include "daemon/ingest.h"
#include "runtime/asio.h"

namespace lull::daemon {

class TcpConnection;

class TcpInput {
 public:
  // Binds and listens at once: throws std::system_error if the address cannot be bound.
  TcpInput(boost::asio::io_context& io, const config::InputConfig& config, Ingest& ingest,
           DaemonMetrics::Input counters);
  ~TcpInput();

  void start();
  // Stops accepting, reads what the kernel already holds for each connection, hands those
  // lines to Ingest, and closes every connection.
  void stop();

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  const config::InputConfig& config() const { return config_; }

 private:
  friend class TcpConnection;
  void accept();
  void closed(std::uint64_t id);

  config::InputConfig config_;
  Ingest& ingest_;
  DaemonMetrics::Input counters_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::unordered_map<std::uint64_t, std::shared_ptr<TcpConnection>> connections_;
  std::uint64_t next_id_ = 0;
  bool stopping_ = false;
};

}  // namespace lull::daemon
