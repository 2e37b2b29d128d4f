// endpoint.h: config addresses to Asio endpoints. Names are resolved once, at bind time,
// to their first address; the reactor never waits on DNS.
#pragma once

#include "config/config.h"
#include "runtime/asio.h"

namespace lull::daemon {

// Throws std::runtime_error naming the address when it cannot be resolved.
boost::asio::ip::tcp::endpoint tcp_endpoint(const config::Address& address);
boost::asio::ip::udp::endpoint udp_endpoint(const config::Address& address);

}  // namespace lull::daemon
