// tcp_input.cc: accept loop and per-connection read loop.
#include "daemon/tcp_input.h"

#include <array>

#include <spdlog/spdlog.h>

#include "daemon/endpoint.h"
#include "daemon/line_framer.h"

namespace lull::daemon {

namespace asio = boost::asio;
using asio::ip::tcp;

// One accepted connection. TcpInput's map owns it; the read handler holds a reference
// too, so it outlives its removal from the map until the handler has returned.
class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  static constexpr std::size_t kReadSize = 64 * 1024;

  TcpConnection(TcpInput& input, std::uint64_t id, tcp::socket socket)
      : input_(input),
        id_(id),
        socket_(std::move(socket)),
        idle_timer_(socket_.get_executor()),
        framer_(input.config().max_line),
        arrival_(runtime::Arrival::now()) {}

  void start() {
    read();
    if (input_.config().idle_timeout.count() > 0) watch_idle();
  }

  // Reactor shutdown: take what the kernel has already received, then close.
  void drain_and_close() {
    idle_timer_.cancel();
    boost::system::error_code error;
    socket_.non_blocking(true, error);
    while (!error) {
      std::size_t n = socket_.read_some(asio::buffer(buffer_), error);
      if (n > 0) consume(n);
    }
    framer_.finish([this](std::string_view line) { deliver(line); }, [this] { oversize(); });
    socket_.close(error);
  }

 private:
  void read() {
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](boost::system::error_code error, std::size_t n) {
          if (n > 0) self->consume(n);
          if (error == asio::error::operation_aborted) return;  // drain_and_close() ran
          if (error) {
            if (error != asio::error::eof && error != asio::error::connection_reset) {
              spdlog::debug("input {}: connection closed: {}", self->input_.config().name,
                            error.message());
            }
            self->framer_.finish([&](std::string_view line) { self->deliver(line); },
                                 [&] { self->oversize(); });
            boost::system::error_code ignored;
            self->idle_timer_.cancel();
            self->socket_.close(ignored);
            self->input_.closed(self->id_);
            return;
          }
          self->read();
        });
  }

  // One wake-up per idle_timeout, not a timer reset per read: the timer waits until the
  // last read plus the timeout and, if a read came since, waits again from that read.
  // A plain Asio timer, not the reactor's TimerQueue: minutes-long deadlines need no GC
  // quantum to end early for them.
  void watch_idle() {
    const auto timeout = input_.config().idle_timeout;
    idle_timer_.expires_at(arrival_.steady + timeout);
    idle_timer_.async_wait([self = shared_from_this(), timeout](boost::system::error_code error) {
      if (error || !self->socket_.is_open()) return;  // drain_and_close() or a close ran
      if (std::chrono::steady_clock::now() - self->arrival_.steady < timeout) {
        return self->watch_idle();
      }
      spdlog::debug("input {}: connection idle for {} ms, closed", self->input_.config().name,
                    std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
      // As at any close, an unterminated last line is still a line.
      self->framer_.finish([&](std::string_view line) { self->deliver(line); },
                           [&] { self->oversize(); });
      boost::system::error_code ignored;
      self->socket_.close(ignored);  // the pending read completes with operation_aborted
      self->input_.counters_.idle_closed.Increment();
      self->input_.closed(self->id_);
    });
  }

  void consume(std::size_t n) {
    arrival_ = runtime::Arrival::now();
    framer_.feed(
        std::string_view(buffer_.data(), n), [this](std::string_view line) { deliver(line); },
        [this] { oversize(); });
  }
  void deliver(std::string_view line) {
    input_.ingest_.line(line, arrival_, input_.counters_, input_.config().name);
  }
  void oversize() {
    input_.ingest_.reject(RejectReason::kLineTooLong, input_.config().name,
                          "longer than max_line " + std::to_string(input_.config().max_line));
  }

  TcpInput& input_;
  std::uint64_t id_;
  tcp::socket socket_;
  asio::steady_timer idle_timer_;
  LineFramer framer_;
  runtime::Arrival arrival_;  // of the read being framed; the last read, for idle_timeout
  std::array<char, kReadSize> buffer_;
};

TcpInput::TcpInput(asio::io_context& io, const config::InputConfig& config, Ingest& ingest,
                   DaemonMetrics::Input counters)
    : config_(config),
      ingest_(ingest),
      counters_(counters),
      acceptor_(io, tcp_endpoint(config.listen)),
      retry_timer_(io) {
  if (config.receive_buffer > 0) {
    acceptor_.set_option(
        asio::socket_base::receive_buffer_size(static_cast<int>(config.receive_buffer)));
  }
}

TcpInput::~TcpInput() = default;

void TcpInput::start() {
  accept();
}

void TcpInput::accept() {
  acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (stopping_ || error == asio::error::operation_aborted) return;
    if (error) {
      // EMFILE and friends: retrying at once would spin the reactor.
      spdlog::warn("input {}: accept failed: {}", config_.name, error.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](boost::system::error_code wait_error) {
        if (!wait_error) accept();
      });
      return;
    }
    if (connections_.size() >= config_.max_connections) {
      counters_.connections_refused.Increment();
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      socket.set_option(tcp::no_delay(true), error);
      auto id = next_id_++;
      auto connection = std::make_shared<TcpConnection>(*this, id, std::move(socket));
      connections_.emplace(id, connection);
      counters_.connections.Set(static_cast<double>(connections_.size()));
      connection->start();
    }
    accept();
  });
}

void TcpInput::closed(std::uint64_t id) {
  connections_.erase(id);
  counters_.connections.Set(static_cast<double>(connections_.size()));
}

void TcpInput::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  for (auto& [id, connection] : connections_) connection->drain_and_close();
  connections_.clear();
  counters_.connections.Set(0);
}

}  // namespace lull::daemon
