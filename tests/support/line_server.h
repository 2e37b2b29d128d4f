// line_server.h: a test sink: a TCP listener on 127.0.0.1 that accepts connections one at
// a time and collects every newline-terminated line it reads. It can be stopped (listener
// and connection closed) and started again on the same port, like a sink that restarts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lull::testing {

class LineServer {
 public:
  explicit LineServer(std::uint16_t port);  // 0: a free port
  ~LineServer();

  void start();  // listen and serve (again)
  void stop();   // close the listener and any connection; lines read so far are kept
  std::uint16_t port() const { return port_; }
  std::vector<std::string> lines() const;
  std::size_t count() const;
  std::size_t connections() const { return connections_; }

 private:
  void serve(int listener);

  std::uint16_t port_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace lull::testing
