// metrics_server.h: serves /metrics in Prometheus' text format from a thread of its own.
// Serialisation and the /proc reads happen here, never on the reactor, whose hot path only
// touches prometheus-cpp's atomic counters. A hand-written HTTP/1.1 responder rather than
// prometheus-cpp's civetweb Exposer: the Exposer takes about 2 s to stop after a scrape,
// which would make every shutdown slow; this one answers one request per connection.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include <prometheus/collectable.h>

#include "config/config.h"
#include "runtime/asio.h"

namespace lull::daemon {

class MetricsServer {
 public:
  using Sources = std::vector<std::shared_ptr<prometheus::Collectable>>;

  // Binds at once (throws std::system_error if the address is taken); serves after start().
  MetricsServer(const config::Address& listen, Sources sources);
  ~MetricsServer();

  void start();
  // Closes the listener and open scrapes, and joins the thread. Idempotent.
  void stop();

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  // The page a scrape gets; public so that tests can check it without a socket.
  static std::string render(const Sources& sources);

 private:
  void accept();

  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_{io_};
  Sources sources_;
  std::thread thread_;
};

}  // namespace lull::daemon
