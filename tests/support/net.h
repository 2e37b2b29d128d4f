// net.h: loopback-only client helpers for integration tests: free ports, TCP and UDP
// senders, and a one-shot HTTP GET. Every call is bounded in time.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lull::testing {

// The address 127.0.0.1:port.
sockaddr_in loopback(std::uint16_t port);

// A port that was free on 127.0.0.1 for both TCP and UDP a moment ago.
std::uint16_t free_port();
// The same, from below the kernel's ephemeral range: for a server that a client keeps
// reconnecting to while it is down, since a connect to a closed port inside the ephemeral
// range can connect to itself (TCP simultaneous open) and then hold the port.
std::uint16_t free_port_outside_ephemeral_range();

// One TCP connection to 127.0.0.1:port, kept open across sends (closed by the destructor).
class TcpClient {
 public:
  explicit TcpClient(std::uint16_t port);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& bytes);  // all of it, or false (the peer closed, say)

 private:
  int fd_;
};

// Connects to 127.0.0.1:port, writes `bytes`, and closes. False if it could not.
bool tcp_send(std::uint16_t port, const std::string& bytes);
// Sends each element as one datagram to 127.0.0.1:port.
bool udp_send(std::uint16_t port, const std::vector<std::string>& datagrams);

struct HttpResponse {
  int status = 0;
  std::string headers;
  std::string body;
};
std::optional<HttpResponse> http_get(std::uint16_t port, const std::string& path,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <class Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    struct timespec pause {
      0, 10'000'000
    };
    nanosleep(&pause, nullptr);
  }
  return true;
}

// The value of the series `name{labels}` (labels as written on the page, e.g.
// `input="tcp"`) in a Prometheus text page; nullopt when absent.
std::optional<double> metric_value(const std::string& page, const std::string& name,
                                   const std::string& labels = "");

}  // namespace lull::testing
