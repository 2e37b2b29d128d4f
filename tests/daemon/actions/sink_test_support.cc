// sink_test_support.cc: the loopback sink server and the helpers of sink_test_support.h.
#include "tests/daemon/actions/sink_test_support.h"

#include <sstream>

namespace lull::daemon::testing {

std::uint16_t unused_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

std::string action_line(int i, std::size_t size) {
  std::string line = R"({"rule":"r","key":"k)" + std::to_string(i % 7) + R"(","seq":)" +
                     std::to_string(i) + R"(,"pad":")";
  if (line.size() + 2 < size) line.append(size - line.size() - 2, 'x');
  return line + "\"}";
}

SinkServer::SinkServer(asio::io_context& io, std::uint16_t port, bool reading, int receive_buffer)
    : io_(io), acceptor_(io), reading_(reading) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  if (receive_buffer > 0) {
    acceptor_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  }
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
}

SinkServer::~SinkServer() {
  close();
}

void SinkServer::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  drop_connections();
}

void SinkServer::drop_connections() {
  boost::system::error_code ignored;
  for (std::size_t i = 0; i < accepted_; ++i) connections_[i]->socket.close(ignored);
}

void SinkServer::accept() {
  connections_.push_back(std::make_unique<Connection>(io_));
  Connection* connection = connections_.back().get();
  acceptor_.async_accept(connection->socket, [this, connection](boost::system::error_code error) {
    if (error) return;
    ++accepted_;
    if (reading_) read(connection);
    accept();
  });
}

void SinkServer::read(Connection* connection) {
  connection->socket.async_read_some(
      asio::buffer(connection->buffer),
      [this, connection](boost::system::error_code error, std::size_t n) {
        connection->data.append(connection->buffer.data(), n);
        if (error) {
          connection->ended = true;
          return;
        }
        read(connection);
      });
}

std::vector<std::string> SinkServer::lines(std::size_t index) const {
  std::vector<std::string> out;
  const std::string& data = connections_.at(index)->data;
  std::size_t start = 0;
  for (std::size_t end; (end = data.find('\n', start)) != std::string::npos; start = end + 1) {
    out.push_back(data.substr(start, end - start));
  }
  return out;
}

std::vector<std::string> SinkServer::lines() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < accepted_; ++i) {
    auto more = lines(i);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

double series_value(prometheus::Registry& registry, const std::string& name,
                    const std::string& action) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "action" && label.value == action) {
          return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                : metric.gauge.value;
        }
      }
    }
  }
  return -1;
}

config::ActionConfig tcp_action(std::uint16_t port, std::size_t queue, config::DropPolicy drop) {
  config::ActionConfig action;
  action.name = "sink";
  action.type = config::ActionType::kTcp;
  action.target = {"127.0.0.1", port};
  action.queue = queue;
  action.drop = drop;
  action.reconnect_min = 5ms;
  action.reconnect_max = 40ms;
  return action;
}

}  // namespace lull::daemon::testing
