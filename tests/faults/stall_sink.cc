// stall_sink.cc: one poll()-driven thread; the rate is read every tick.
#include "tests/faults/stall_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "tests/support/net.h"

namespace lull::testing {

StallSink::StallSink(std::size_t bytes_per_tick) : rate_(bytes_per_tick) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  // Set before listen(), so the accepted socket inherits it and advertises a small window.
  int small = 4096;
  setsockopt(listener_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(free_port_outside_ephemeral_range());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 4) != 0) {
    close(listener_);
    throw std::runtime_error("StallSink: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

StallSink::~StallSink() {
  running_ = false;
  thread_.join();
  close(listener_);
}

std::vector<std::string> StallSink::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::size_t StallSink::count() const {
  std::lock_guard lock(mutex_);
  return lines_.size();
}

void StallSink::serve() {
  int connection = -1;
  std::string partial;
  std::vector<char> buffer(1 << 16);
  while (running_) {
    if (connection < 0) {
      pollfd ready{listener_, POLLIN, 0};
      if (poll(&ready, 1, 5) > 0) {
        connection = accept(listener_, nullptr, nullptr);
        connected_ = connection >= 0;
      }
      continue;
    }
    const std::size_t budget = std::min(rate_.load(), buffer.size());
    pollfd ready{connection, static_cast<short>(budget > 0 ? POLLIN : 0), 0};
    if (budget == 0 || poll(&ready, 1, 5) <= 0) {
      if (budget == 0) usleep(5000);
      continue;
    }
    ssize_t n = recv(connection, buffer.data(), budget, 0);
    if (n <= 0) {
      close(connection);
      connection = -1;
      connected_ = false;
      continue;
    }
    partial.append(buffer.data(), static_cast<std::size_t>(n));
    {
      std::lock_guard lock(mutex_);
      for (std::size_t end; (end = partial.find('\n')) != std::string::npos;) {
        lines_.push_back(partial.substr(0, end));
        partial.erase(0, end + 1);
      }
    }
    if (rate_ != kFullSpeed) usleep(5000);  // a slow sink: `rate_` bytes a tick at most
  }
  if (connection >= 0) close(connection);
}

}  // namespace lull::testing
