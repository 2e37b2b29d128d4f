// udp_input.h: a UDP socket whose datagrams each hold one or more whole NDJSON lines.
// Reads in batches with recvmmsg(2): one readiness wake-up takes up to kBatch datagrams,
// so a busy socket costs one system call per batch rather than per event. A datagram
// longer than max_line is rejected whole (line_too_long). Datagrams the kernel dropped for a
// full receive buffer are counted from SO_RXQ_OVFL: each datagram read carries the socket's
// drop count at the time it was queued. Reactor thread only.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "daemon/daemon_metrics.h"
#include "daemon/ingest.h"
#include "runtime/arrival.h"
#include "runtime/asio.h"

namespace lull::daemon {

class UdpInput {
 public:
  static constexpr unsigned kBatch = 32;
  // Batches per wake-up before yielding to other handlers, so a flood cannot starve TCP.
  static constexpr unsigned kBatchesPerWakeup = 8;

  // Binds at once: throws std::system_error if the address cannot be bound.
  UdpInput(boost::asio::io_context& io, const config::InputConfig& config, Ingest& ingest,
           DaemonMetrics::Input counters);

  void start();
  // Reads what the kernel already holds, hands it to Ingest, and closes the socket.
  void stop();

  boost::asio::ip::udp::endpoint local_endpoint() const { return socket_.local_endpoint(); }

 private:
  void wait();
  // Receives up to `batches` batches without blocking; false when the socket ran dry.
  bool receive(unsigned batches);
  void datagram(std::string_view bytes, bool truncated);
  void count_kernel_drops(const msghdr& header);

  config::InputConfig config_;
  Ingest& ingest_;
  DaemonMetrics::Input counters_;
  boost::asio::ip::udp::socket socket_;
  std::vector<char> buffers_;  // kBatch slots of max_line + 1 bytes
  std::vector<mmsghdr> headers_;
  std::vector<iovec> vectors_;
  std::vector<char> controls_;      // kBatch slots of kControlSize bytes, for SO_RXQ_OVFL
  std::uint32_t kernel_drops_ = 0;  // the socket's drop count last seen (it wraps)
  runtime::Arrival arrival_;        // of the batch being handled
};

}  // namespace lull::daemon
