// stall_sink.h: a test action sink on 127.0.0.1 that accepts one connection and reads it at
// a rate the test sets: 0 (it accepts but never reads: the kernel's buffers fill, then
// lulld's queue), a number of bytes per 5 ms tick (a slow sink), or kFullSpeed. It keeps the
// lines it has read. Its receive buffer is small, so little hides in the kernel.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lull::testing {

class StallSink {
 public:
  static constexpr std::size_t kFullSpeed = std::numeric_limits<std::size_t>::max();

  explicit StallSink(std::size_t bytes_per_tick);  // listens at once, on a free port
  ~StallSink();
  StallSink(const StallSink&) = delete;
  StallSink& operator=(const StallSink&) = delete;

  void read_at(std::size_t bytes_per_tick) { rate_ = bytes_per_tick; }
  std::uint16_t port() const { return port_; }
  bool connected() const { return connected_; }
  std::vector<std::string> lines() const;
  std::size_t count() const;

 private:
  void serve();

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> rate_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> running_{true};
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  std::thread thread_;
};

}  // namespace lull::testing
