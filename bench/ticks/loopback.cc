// loopback.cc: see loopback.h.
#include "bench/ticks/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <random>

namespace lull::bench {
namespace {

std::optional<sockaddr_in> address_of(const std::string& host, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return std::nullopt;
  if ((ntohl(address.sin_addr.s_addr) >> 24) != 127) return std::nullopt;
  return address;
}

bool bindable(std::uint16_t port, int type) {
  const int fd = socket(AF_INET, type, 0);
  if (fd < 0) return false;
  auto address = address_of("127.0.0.1", port);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&*address), sizeof *address) == 0;
  close(fd);
  return ok;
}

}  // namespace

bool is_loopback(const std::string& host) {
  return address_of(host, 1).has_value();
}

int connect_to(const std::string& host, std::uint16_t port, bool udp) {
  auto address = address_of(host, port);
  if (!address) {
    errno = EINVAL;
    return -1;
  }
  const int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (!udp) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&*address), sizeof *address) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int listen_on(const std::string& host, std::uint16_t port) {
  auto address = address_of(host, port);
  if (!address) {
    errno = EINVAL;
    return -1;
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&*address), sizeof *address) != 0 ||
      listen(fd, 16) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

std::uint16_t free_port(bool below_ephemeral) {
  int low = 32768;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> low;
  std::mt19937 random(static_cast<unsigned>(
      std::chrono::steady_clock::now().time_since_epoch().count() ^ (getpid() << 16)));
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::uint16_t port;
    if (below_ephemeral) {
      port = static_cast<std::uint16_t>(10'000 + random() % static_cast<unsigned>(low - 10'000));
    } else {
      port = static_cast<std::uint16_t>(low + random() % static_cast<unsigned>(60'999 - low));
    }
    if (bindable(port, SOCK_STREAM) && bindable(port, SOCK_DGRAM)) return port;
  }
  return 0;
}

std::optional<std::string> http_get(const std::string& host, std::uint16_t port,
                                    const std::string& path, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  const int fd = connect_to(host, port, false);
  if (fd < 0) return std::nullopt;
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  std::string response;
  bool ok = send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size());
  while (ok) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd ready{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&ready, 1, static_cast<int>(left.count())) <= 0) {
      ok = false;
      break;
    }
    char buffer[16384];
    const ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0) ok = false;
    if (got <= 0) break;
    response.append(buffer, static_cast<std::size_t>(got));
  }
  close(fd);
  const auto body = response.find("\r\n\r\n");
  const bool status_ok = response.rfind("HTTP/1.", 0) == 0 && response.compare(8, 5, " 200 ") == 0;
  if (!ok || !status_ok || body == std::string::npos) {
    return std::nullopt;
  }
  return response.substr(body + 4);
}

}  // namespace lull::bench
