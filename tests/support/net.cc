// net.cc: plain POSIX sockets, so the tests do not share the daemon's Asio code paths.
#include "tests/support/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <sstream>

namespace lull::testing {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

namespace {

bool bindable(int type, std::uint16_t port) {
  int fd = socket(AF_INET, type, 0);
  auto address = loopback(port);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::uint16_t free_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    auto address = loopback(0);
    socklen_t length = sizeof address;
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    std::uint16_t port = ntohs(address.sin_port);
    if (bindable(SOCK_DGRAM, port) && bindable(SOCK_STREAM, port)) return port;
  }
  return 0;
}

std::uint16_t free_port_outside_ephemeral_range() {
  std::uint16_t port = static_cast<std::uint16_t>(20000 + (getpid() * 7919) % 10000);
  for (int attempt = 0; attempt < 1000; ++attempt, port = port >= 30000 ? 20000 : port + 1) {
    if (bindable(SOCK_STREAM, port)) return port;
  }
  return 0;
}

TcpClient::TcpClient(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
  auto address = loopback(port);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) close(fd_);
}

bool TcpClient::send(const std::string& bytes) {
  if (fd_ < 0) return false;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool tcp_send(std::uint16_t port, const std::string& bytes) {
  TcpClient client(port);
  return client.connected() && client.send(bytes);
}

bool udp_send(std::uint16_t port, const std::vector<std::string>& datagrams) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  auto address = loopback(port);
  bool ok = true;
  for (const auto& datagram : datagrams) {
    ok &= sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&address),
                 sizeof address) == static_cast<ssize_t>(datagram.size());
  }
  close(fd);
  return ok;
}

std::optional<HttpResponse> http_get(std::uint16_t port, const std::string& path,
                                     std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  auto address = loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return std::nullopt;
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string raw;
  char buffer[16384];
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd ready{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&ready, 1, static_cast<int>(left.count())) <= 0) {
      close(fd);
      return std::nullopt;
    }
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.size() < 12) return std::nullopt;
  HttpResponse response;
  response.status = std::atoi(raw.c_str() + 9);
  response.headers = raw.substr(0, head_end);
  response.body = raw.substr(head_end + 4);
  return response;
}

std::optional<double> metric_value(const std::string& page, const std::string& name,
                                   const std::string& labels) {
  std::string wanted = labels.empty() ? name + " " : name + "{" + labels + "} ";
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(wanted)) return std::stod(line.substr(wanted.size()));
  }
  return std::nullopt;
}

}  // namespace lull::testing
