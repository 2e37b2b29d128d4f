// line_server.cc: one poll()-driven thread per start(); stop() joins it.
#include "tests/support/line_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lull::testing {

LineServer::LineServer(std::uint16_t port) : port_(port) {}

LineServer::~LineServer() {
  stop();
}

void LineServer::start() {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 16) != 0) {
    close(listener);
    throw std::runtime_error("LineServer: cannot listen on port " + std::to_string(port_) + ": " +
                             std::strerror(errno));
  }
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  running_ = true;
  thread_ = std::thread([this, listener] { serve(listener); });
}

void LineServer::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> LineServer::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::size_t LineServer::count() const {
  std::lock_guard lock(mutex_);
  return lines_.size();
}

void LineServer::serve(int listener) {
  int connection = -1;
  std::string partial;
  char buffer[65536];
  while (running_) {
    pollfd ready{connection >= 0 ? connection : listener, POLLIN, 0};
    if (poll(&ready, 1, 20) <= 0) continue;
    if (connection < 0) {
      connection = accept(listener, nullptr, nullptr);
      if (connection >= 0) ++connections_;
      continue;
    }
    ssize_t n = recv(connection, buffer, sizeof buffer, 0);
    if (n <= 0) {
      close(connection);
      connection = -1;
      partial.clear();
      continue;
    }
    partial.append(buffer, static_cast<std::size_t>(n));
    std::lock_guard lock(mutex_);
    for (std::size_t end; (end = partial.find('\n')) != std::string::npos;) {
      lines_.push_back(partial.substr(0, end));
      partial.erase(0, end + 1);
    }
  }
  if (connection >= 0) close(connection);
  close(listener);
}

}  // namespace lull::testing
