// raw_client.h: a loopback TCP client for the input fault tests, which need what TcpClient
// hides: many of them at once, byte-by-byte sends, and whether lulld closed the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lull::testing {

class RawClient {
 public:
  explicit RawClient(std::uint16_t port);  // connects (blocking); connected() says if it did
  ~RawClient();
  RawClient(RawClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  // True once the peer has closed (EOF or reset) within `timeout`; any data is discarded.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  void close();

 private:
  int fd_ = -1;
};

}  // namespace lull::testing
