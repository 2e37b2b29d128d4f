// udp_input.cc: readiness wait, then recvmmsg until the socket is dry or the batch budget
// is spent.
#include "daemon/udp_input.h"

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "daemon/endpoint.h"

namespace lull::daemon {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(std::uint32_t));
}  // namespace

UdpInput::UdpInput(asio::io_context& io, const config::InputConfig& config, Ingest& ingest,
                   DaemonMetrics::Input counters)
    : config_(config),
      ingest_(ingest),
      counters_(counters),
      socket_(io, udp_endpoint(config.listen)),
      buffers_(kBatch * (config.max_line + 1)),
      headers_(kBatch),
      vectors_(kBatch),
      controls_(kBatch * kControlSize) {
  if (config.receive_buffer > 0) {
    socket_.set_option(
        asio::socket_base::receive_buffer_size(static_cast<int>(config.receive_buffer)));
  }
  socket_.non_blocking(true);
  int on = 1;
  if (setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on) != 0) {
    spdlog::warn("input {}: kernel drops will not be counted: SO_RXQ_OVFL: {}", config_.name,
                 std::strerror(errno));
  }
}

void UdpInput::start() {
  wait();
}

void UdpInput::wait() {
  socket_.async_wait(udp::socket::wait_read, [this](boost::system::error_code error) {
    if (error) return;  // closed by stop()
    receive(kBatchesPerWakeup);
    wait();
  });
}

bool UdpInput::receive(unsigned batches) {
  // One byte beyond max_line: a datagram that fills it is too long even if not truncated.
  const std::size_t slot = config_.max_line + 1;
  for (unsigned batch = 0; batch < batches; ++batch) {
    for (unsigned i = 0; i < kBatch; ++i) {
      vectors_[i] = {buffers_.data() + i * slot, slot};
      headers_[i] = {};
      headers_[i].msg_hdr.msg_iov = &vectors_[i];
      headers_[i].msg_hdr.msg_iovlen = 1;
      headers_[i].msg_hdr.msg_control = controls_.data() + i * kControlSize;
      headers_[i].msg_hdr.msg_controllen = kControlSize;
    }
    int received =
        ::recvmmsg(socket_.native_handle(), headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        spdlog::warn("input {}: receive failed: {}", config_.name, std::strerror(errno));
      }
      return false;
    }
    arrival_ = runtime::Arrival::now();
    for (int i = 0; i < received; ++i) {
      const auto& header = headers_[static_cast<unsigned>(i)];
      count_kernel_drops(header.msg_hdr);
      datagram(
          {static_cast<const char*>(vectors_[static_cast<unsigned>(i)].iov_base), header.msg_len},
          (header.msg_hdr.msg_flags & MSG_TRUNC) != 0);
    }
    if (static_cast<unsigned>(received) < kBatch) return false;
  }
  return true;
}

void UdpInput::count_kernel_drops(const msghdr& header) {
  // The kernel attaches the count only once it is non-zero; it is cumulative and wraps at
  // 2^32, so the unsigned difference is the drops since the last datagram that carried it.
  for (const cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&header), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL) continue;
    std::uint32_t drops;
    std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
    if (const std::uint32_t added = drops - kernel_drops_; added > 0 && added < (1u << 31)) {
      counters_.kernel_drops.Increment(added);
      kernel_drops_ = drops;
    }
  }
}

void UdpInput::datagram(std::string_view bytes, bool truncated) {
  if (truncated || bytes.size() > config_.max_line) {
    ingest_.reject(RejectReason::kLineTooLong, config_.name,
                   "datagram longer than max_line " + std::to_string(config_.max_line));
    return;
  }
  // Lines never span datagrams: a datagram's last line needs no newline.
  while (!bytes.empty()) {
    auto end = bytes.find('\n');
    auto line = bytes.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ingest_.line(line, arrival_, counters_, config_.name);
    if (end == std::string_view::npos) break;
    bytes.remove_prefix(end + 1);
  }
}

void UdpInput::stop() {
  if (!socket_.is_open()) return;
  while (receive(kBatchesPerWakeup)) {
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace lull::daemon
