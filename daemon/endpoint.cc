// endpoint.cc: literal addresses parse directly; anything else goes through the resolver.
#include "daemon/endpoint.h"

#include <stdexcept>
#include <string>

namespace lull::daemon {
namespace {

template <class Protocol>
typename Protocol::endpoint resolve(const config::Address& address) {
  boost::system::error_code error;
  auto ip = boost::asio::ip::make_address(address.host, error);
  if (!error) return {ip, address.port};
  boost::asio::io_context io;
  typename Protocol::resolver resolver(io);
  auto results = resolver.resolve(address.host, std::to_string(address.port), error);
  if (error || results.empty()) {
    throw std::runtime_error("cannot resolve " + address.to_string() + ": " + error.message());
  }
  return results.begin()->endpoint();
}

}  // namespace

boost::asio::ip::tcp::endpoint tcp_endpoint(const config::Address& address) {
  return resolve<boost::asio::ip::tcp>(address);
}
boost::asio::ip::udp::endpoint udp_endpoint(const config::Address& address) {
  return resolve<boost::asio::ip::udp>(address);
}

}  // namespace lull::daemon
