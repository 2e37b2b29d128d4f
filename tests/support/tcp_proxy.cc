// tcp_proxy.cc: one poll()-driven thread for the listener and every connection pair.
#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/net.h"

namespace lull::testing {

namespace {

// Writes all of `size` bytes (blocking: the peers are test processes that keep reading).
bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

struct Pair {
  int client;
  int server;
};

}  // namespace

TcpProxy::TcpProxy(std::uint16_t target_port) : target_port_(target_port) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 16) != 0) {
    close(listener);
    throw std::runtime_error(std::string("TcpProxy: cannot listen: ") + std::strerror(errno));
  }
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this, listener] { run(listener); });
}

TcpProxy::~TcpProxy() {
  running_ = false;
  thread_.join();
}

void TcpProxy::cut() {
  const std::uint64_t ticket = ++cuts_asked_;
  while (cuts_done_.load() < ticket) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void TcpProxy::run(int listener) {
  std::vector<Pair> pairs;
  auto close_pair = [](const Pair& pair) {
    close(pair.client);
    close(pair.server);
  };
  char buffer[64 * 1024];
  while (running_) {
    if (const std::uint64_t asked = cuts_asked_.load(); asked != cuts_done_.load()) {
      for (const Pair& pair : pairs) close_pair(pair);
      pairs.clear();
      cuts_done_ = asked;
    }
    std::vector<pollfd> fds{{listener, POLLIN, 0}};
    for (const Pair& pair : pairs) {
      fds.push_back({pair.client, POLLIN, 0});
      fds.push_back({pair.server, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 10) <= 0) continue;
    std::vector<Pair> open;
    if (fds[0].revents & POLLIN) {
      const int client = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const sockaddr_in target = loopback(target_port_);
      if (client >= 0 &&
          connect(server, reinterpret_cast<const sockaddr*>(&target), sizeof target) == 0) {
        open.push_back({client, server});  // polled from the next round on
      } else {
        if (client >= 0) close(client);
        close(server);
      }
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const Pair& pair = pairs[i];
      bool alive = true;
      for (int side = 0; side < 2 && alive; ++side) {
        const pollfd& entry = fds[1 + 2 * i + side];
        if ((entry.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = recv(entry.fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
          alive = false;
        } else if (side == 0) {
          alive = send_all(pair.server, buffer, static_cast<std::size_t>(n));
        } else if (!dropping_) {
          alive = send_all(pair.client, buffer, static_cast<std::size_t>(n));
        }
      }
      if (alive) {
        open.push_back(pair);
      } else {
        close_pair(pair);
      }
    }
    pairs = std::move(open);
  }
  for (const Pair& pair : pairs) close_pair(pair);
  close(listener);
}

}  // namespace lull::testing
