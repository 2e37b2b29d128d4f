// tcp_sink.cc: the TCP sink's connection state machine (connect, backoff, write, loss, stop)
// and the byte accounting that says which actions a completed write delivered.
//
// Semantics:
// - Delivered means the line's last byte (its '\n') was accepted by the kernel for the
//   connection: lull_actions_total counts it, and its latency (arrival of the firing event
//   to the completion of that write, queueing in lulld included) goes into the rule's
//   metric then, once per action. TCP has no application acknowledgement: lines in the
//   kernel's buffers when a sink dies are lost after being counted as delivered.
// - A line partly written when its connection breaks is not delivered. It is re-sent whole,
//   from its first byte, on the next connection, so a sink sees at most one line per break
//   twice: as an unterminated fragment at the end of the broken connection (a sink that
//   discards an unterminated last line sees no duplicate), then whole.
// - The queue holds at most `queue` actions, the write under way included. When full,
//   kDropNewest drops the new action; kDropOldest drops the oldest not handed to a write
//   under way (while no write is under way, the oldest of all). If every queued action is
//   in the write under way, the new one is dropped. Every drop is counted.
// - Backoff: after a failed attempt or a lost connection, wait reconnect_min, then twice
//   that after each further failure, up to reconnect_max; a successful connect resets it.
#include "daemon/actions/tcp_sink.h"

#include <algorithm>
#include <array>
#include <cassert>

#include <spdlog/spdlog.h>

#include "daemon/actions/action_metrics.h"
#include "daemon/actions/slot_ring.h"
#include "daemon/endpoint.h"

namespace lull::daemon {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Everything the handlers touch. TcpSink owns it through a shared_ptr and every handler
// holds one too, so a handler that runs after ~TcpSink (the io_context ran again) finds
// the state alive and closed, not freed.
class TcpSink::State : public std::enable_shared_from_this<State> {
 public:
  enum class Phase { kIdle, kConnecting, kBackoff, kConnected, kClosed };

  State(const config::ActionConfig& config, asio::io_context& io, runtime::TimerQueue& timers,
        prometheus::Registry& registry)
      : config_(config),
        capacity_(std::max<std::size_t>(config.queue, 1)),
        min_backoff_(
            std::max<std::chrono::nanoseconds>(config.reconnect_min, std::chrono::milliseconds(1))),
        max_backoff_(std::max(config.reconnect_max, min_backoff_)),
        endpoint_(tcp_endpoint(config.target)),
        socket_(io),
        timer_(io, timers),
        metrics_(registry, config.name, /*queued=*/true),
        backoff_(min_backoff_),
        pending_(capacity_),
        in_flight_(capacity_) {
    metrics_.connected->Set(0);
    metrics_.queue_depth->Set(0);
  }

  void start() {
    if (phase_ == Phase::kIdle) connect();
  }

  void emit(std::string_view json, const runtime::Arrival& arrival,
            runtime::DurationMetric latency) {
    ++emitted_;
    if (phase_ == Phase::kClosed) return drop(1);
    if (depth() >= capacity_) {
      if (config_.drop == config::DropPolicy::kDropNewest || !drop_oldest()) return drop(1);
    }
    Pending& slot = pending_.push_back();
    slot.line.assign(json);
    slot.arrival = arrival.steady;
    slot.latency = latency;
    slot.ticket = emitted_;
    publish_depth();
    write();
  }

  void stop(std::chrono::milliseconds bound) {
    if (phase_ == Phase::kClosed || stopping_) return;
    stopping_ = true;
    if (phase_ != Phase::kConnected || depth() == 0) return finish();
    timer_.async_wait_after(bound, [self = shared_from_this()](boost::system::error_code error) {
      if (!error && self->phase_ != Phase::kClosed) self->finish();
    });
    write();  // usually one is under way already; its completion continues the flush
  }

  // Closes for good: anything not delivered is counted as dropped.
  void finish() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    metrics_.connected->Set(0);
    const std::size_t left = depth();
    if (left > 0) {
      spdlog::warn("action {}: closed with {} actions undelivered, counted as dropped",
                   config_.name, left);
      drop(left);
    }
    pending_.clear();
    in_flight_.clear();
    // A write still under way was aborted by close(): its buffer is no longer read.
    out_.clear();
    out_pos_ = 0;
    front_written_ = 0;
    publish_depth();
  }

  const config::ActionConfig& config() const { return config_; }
  bool connected() const { return phase_ == Phase::kConnected; }
  bool closed() const { return phase_ == Phase::kClosed; }
  std::size_t depth() const { return pending_.size() + in_flight_.size(); }
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t attempts() const { return attempts_; }
  std::uint64_t emitted() const { return emitted_; }
  // Queued actions are in emit order, the in-flight ones first; everything before the
  // oldest is settled. (A drop-newest drop settles out of order, hence tickets, not counts.)
  std::uint64_t settled_through() const {
    if (!in_flight_.empty()) return in_flight_.front().ticket - 1;
    if (!pending_.empty()) return pending_.front().ticket - 1;
    return emitted_;
  }
  std::uint64_t reconnects() const { return reconnects_; }
  std::chrono::nanoseconds backoff() const { return backoff_; }

 private:
  struct Pending {  // queued, not yet copied into out_
    std::string line;
    Clock::time_point arrival;
    runtime::DurationMetric latency;
    std::uint64_t ticket = 0;  // its number in emit order
  };
  struct InFlight {  // copied into out_ with its '\n'; delivered when its last byte is written
    std::size_t length = 0;
    Clock::time_point arrival;
    runtime::DurationMetric latency;
    std::uint64_t ticket = 0;
  };

  void connect() {
    phase_ = Phase::kConnecting;
    const std::uint64_t epoch = ++epoch_;
    ++attempts_;
    // A closed socket reopens in async_connect.
    socket_.async_connect(endpoint_,
                          [self = shared_from_this(), epoch](boost::system::error_code error) {
                            self->on_connect(epoch, error);
                          });
    timer_.async_wait_after(
        kConnectTimeout, [self = shared_from_this(), epoch](boost::system::error_code error) {
          if (error || epoch != self->epoch_ || self->phase_ != Phase::kConnecting) return;
          boost::system::error_code ignored;
          self->socket_.close(ignored);  // the connect completes with operation_aborted
        });
  }

  void on_connect(std::uint64_t epoch, boost::system::error_code error) {
    // Stale: stop() closed the socket, or a newer attempt replaced this one.
    if (epoch != epoch_ || phase_ != Phase::kConnecting) return;
    timer_.cancel();
    if (error) {
      if (error == asio::error::operation_aborted) error = asio::error::timed_out;
      // The next attempt starts on a fresh socket: connect() again after a failed one is
      // not portable.
      boost::system::error_code ignored;
      socket_.close(ignored);
      // One warning per outage; the retries that follow only at debug level.
      if (!failing_) {
        spdlog::warn("action {}: cannot connect to {}: {}; retrying with backoff up to {} ms",
                     config_.name, config_.target.to_string(), error.message(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(max_backoff_).count());
      } else {
        spdlog::debug("action {}: cannot connect to {}: {}", config_.name,
                      config_.target.to_string(), error.message());
      }
      failing_ = true;
      if (stopping_) return finish();
      return schedule_reconnect();
    }
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    phase_ = Phase::kConnected;
    failing_ = false;
    backoff_ = min_backoff_;
    if (ever_connected_) {
      ++reconnects_;
      metrics_.reconnects->Increment();
    }
    ever_connected_ = true;
    metrics_.connected->Set(1);
    spdlog::info("action {}: connected to {}", config_.name, config_.target.to_string());
    read();
    write();
  }

  void schedule_reconnect() {
    phase_ = Phase::kBackoff;
    const auto delay = backoff_;
    backoff_ = std::min(backoff_ * 2, max_backoff_);
    timer_.async_wait_after(delay, [self = shared_from_this()](boost::system::error_code error) {
      if (!error && self->phase_ == Phase::kBackoff) self->connect();
    });
  }

  // A read kept pending for as long as the connection is up: EOF or an error on it is how
  // a sink that went away is noticed while there is nothing to write. Whatever the sink
  // sends is read and ignored.
  void read() {
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this(), epoch = epoch_](boost::system::error_code error, std::size_t) {
          if (epoch != self->epoch_ || self->phase_ != Phase::kConnected) {
            return;
          }
          if (error) return self->lose(error);
          self->read();
        });
  }

  void lose(boost::system::error_code error) {
    spdlog::warn("action {}: connection to {} lost: {}", config_.name, config_.target.to_string(),
                 error.message());
    boost::system::error_code ignored;
    socket_.close(ignored);
    metrics_.connected->Set(0);
    phase_ = Phase::kBackoff;
    if (!writing_) rewind();  // else the aborted write's completion does it
    if (stopping_) return finish();
    schedule_reconnect();
  }

  // The front in-flight line's written bytes went to a connection that is gone: write it
  // again from its start on the next one.
  void rewind() {
    out_pos_ -= front_written_;
    front_written_ = 0;
  }

  void write() {
    if (writing_ || phase_ != Phase::kConnected) return;
    if (out_pos_ == out_.size()) {  // nothing in flight
      out_.clear();
      out_pos_ = 0;
    } else if (const std::size_t start = out_pos_ - front_written_;
               start > 0 && !pending_.empty()) {
      // After a partial write: keep the front line from its first byte, for rewind().
      // At most one batch of bytes moves.
      out_.erase(0, start);
      out_pos_ = front_written_;
    }
    while (!pending_.empty() && out_.size() - out_pos_ < kBatchBytes) {
      Pending& next = pending_.front();
      out_.append(next.line);
      out_.push_back('\n');
      InFlight& slot = in_flight_.push_back();
      slot.length = next.line.size() + 1;
      slot.arrival = next.arrival;
      slot.latency = next.latency;
      slot.ticket = next.ticket;
      pending_.pop_front();
    }
    if (out_pos_ == out_.size()) {
      if (stopping_) finish();  // flushed
      return;
    }
    writing_ = true;
    socket_.async_write_some(
        asio::buffer(out_.data() + out_pos_, out_.size() - out_pos_),
        [self = shared_from_this(), epoch = epoch_](
            boost::system::error_code error, std::size_t n) { self->written(epoch, error, n); });
  }

  void written(std::uint64_t epoch, boost::system::error_code error, std::size_t n) {
    writing_ = false;
    if (phase_ == Phase::kClosed) return;
    account(n);
    if (epoch != epoch_ || phase_ != Phase::kConnected) {
      // lose() ran while this write was under way (and left the rewind to us); a new
      // connection may be up already and waiting for this completion to start writing.
      rewind();
      return write();
    }
    if (error) return lose(error);
    write();
  }

  // `n` more bytes of out_ were written: every in-flight line whose last byte is among them
  // is delivered.
  void account(std::size_t n) {
    if (n == 0) return;
    out_pos_ += n;
    const auto now = Clock::now();
    std::uint64_t lines = 0;
    while (n > 0) {
      InFlight& front = in_flight_.front();
      const std::size_t missing = front.length - front_written_;
      if (n < missing) {
        front_written_ += n;
        break;
      }
      n -= missing;
      front_written_ = 0;
      front.latency.record(now - front.arrival, now);
      in_flight_.pop_front();
      ++lines;
    }
    publish_depth();
    if (lines == 0) return;
    delivered_ += lines;
    metrics_.delivered.Increment(static_cast<double>(lines));
  }

  // Drops the oldest action that no write is using; false if there is none.
  bool drop_oldest() {
    if (!writing_ && !in_flight_.empty()) {
      // Between writes a line is never partly written: rewind() or the next write ran.
      assert(front_written_ == 0);
      out_pos_ += in_flight_.front().length;
      in_flight_.pop_front();
    } else if (!pending_.empty()) {
      pending_.pop_front();
    } else {
      return false;
    }
    drop(1);
    return true;
  }

  void drop(std::size_t n) {
    dropped_ += n;
    metrics_.dropped.Increment(static_cast<double>(n));
  }
  void publish_depth() { metrics_.queue_depth->Set(static_cast<double>(depth())); }

  config::ActionConfig config_;
  std::size_t capacity_;
  std::chrono::nanoseconds min_backoff_, max_backoff_;
  tcp::endpoint endpoint_;
  tcp::socket socket_;
  runtime::Timer timer_;  // connect timeout, backoff wait, stop bound: never two at once
  ActionMetrics metrics_;

  Phase phase_ = Phase::kIdle;
  bool stopping_ = false;
  bool failing_ = false;  // attempts have failed since the last connection
  bool ever_connected_ = false;
  // Tags every handler with the attempt it belongs to, so one of an older connection
  // cannot act on a newer one.
  std::uint64_t epoch_ = 0;
  std::chrono::nanoseconds backoff_;

  SlotRing<Pending> pending_;
  SlotRing<InFlight> in_flight_;
  // The bytes of the in-flight lines, from out_pos_ on; out_[out_pos_ - front_written_]
  // is where the front in-flight line starts.
  std::string out_;
  std::size_t out_pos_ = 0;
  std::size_t front_written_ = 0;
  bool writing_ = false;
  std::array<char, 256> read_buffer_;

  std::uint64_t delivered_ = 0, dropped_ = 0, attempts_ = 0, reconnects_ = 0, emitted_ = 0;
};

TcpSink::TcpSink(const config::ActionConfig& config, asio::io_context& io,
                 runtime::TimerQueue& timers, prometheus::Registry& registry)
    : state_(std::make_shared<State>(config, io, timers, registry)) {}

TcpSink::~TcpSink() {
  state_->finish();
}

void TcpSink::start() {
  state_->start();
}
void TcpSink::emit(std::string_view json, const runtime::Arrival& arrival,
                   runtime::DurationMetric latency) {
  state_->emit(json, arrival, latency);
}
void TcpSink::stop(std::chrono::milliseconds bound) {
  state_->stop(bound);
}
const std::string& TcpSink::name() const {
  return state_->config().name;
}
std::uint64_t TcpSink::emitted() const {
  return state_->emitted();
}
std::uint64_t TcpSink::settled_through() const {
  return state_->settled_through();
}

bool TcpSink::connected() const {
  return state_->connected();
}
bool TcpSink::closed() const {
  return state_->closed();
}
std::size_t TcpSink::queue_depth() const {
  return state_->depth();
}
std::uint64_t TcpSink::delivered() const {
  return state_->delivered();
}
std::uint64_t TcpSink::dropped() const {
  return state_->dropped();
}
std::uint64_t TcpSink::connect_attempts() const {
  return state_->attempts();
}
std::uint64_t TcpSink::reconnects() const {
  return state_->reconnects();
}
std::chrono::nanoseconds TcpSink::next_backoff() const {
  return state_->backoff();
}

}  // namespace lull::daemon
