// tcp_proxy.h: a loopback TCP forwarder between clients and one server, for the network
// faults that a client library cannot tell from a slow network: the server's bytes lost on
// the way while the connection stays open, and every connection cut at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace lull::testing {

class TcpProxy {
 public:
  // Listens on a free 127.0.0.1 port at once and forwards each connection to
  // 127.0.0.1:target_port.
  explicit TcpProxy(std::uint16_t target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const { return port_; }
  // While on, what the server sends is read and thrown away: the server's writes succeed and
  // the client waits on an open, silent connection. The client's bytes still go through.
  void drop_replies(bool on) { dropping_ = on; }
  // Closes every connection, both ends, before it returns; later connects are served.
  void cut();

 private:
  void run(int listener);

  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  std::atomic<bool> running_{true};
  std::atomic<bool> dropping_{false};
  std::atomic<std::uint64_t> cuts_asked_{0};
  std::atomic<std::uint64_t> cuts_done_{0};
  std::thread thread_;
};

}  // namespace lull::testing
