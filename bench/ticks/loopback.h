// loopback.h: the few POSIX socket calls lull-ticks needs, for 127.0.0.0/8 only: a tool that
// sends load must never reach another machine, so every address is checked here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lull::bench {

// True for a dotted IPv4 address in 127.0.0.0/8 ("localhost" is not resolved: write 127.0.0.1).
bool is_loopback(const std::string& host);

// A connected TCP (or UDP) socket to host:port, or -1 with errno set.
int connect_to(const std::string& host, std::uint16_t port, bool udp);
// A listening TCP socket on host:port (SO_REUSEADDR), or -1.
int listen_on(const std::string& host, std::uint16_t port);

// A port that was free on 127.0.0.1 for TCP and UDP a moment ago, from below the kernel's
// ephemeral range when `below_ephemeral`: a port that lulld reconnects to while nothing listens
// must not be one its own connect could be given (TCP simultaneous open onto itself).
std::uint16_t free_port(bool below_ephemeral);

// GET http://host:port/path over HTTP/1.0; the body, or nullopt on error or after timeout_ms.
std::optional<std::string> http_get(const std::string& host, std::uint16_t port,
                                    const std::string& path, int timeout_ms);

}  // namespace lull::bench
