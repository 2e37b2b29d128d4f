// udp_flood_test.cc: a UDP flood above what lulld's reactor can take. The kernel drops what
// the receive buffer cannot hold and lulld counts those drops exactly (SO_RXQ_OVFL, checked
// against the socket's line in /proc/net/udp): every datagram sent is either handled (its
// events counted) or dropped. During the flood a TCP client's events are still handled
// within a bound, since the UDP input yields after a few batches; after it, lulld recovers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/faults/lulld_fixture.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kLinesPerDatagram = 10;

// One datagram of kLinesPerDatagram events: each datagram costs lulld ten events of work
// and the sender one system call, so the sender easily outruns the reactor.
std::string datagram(int seq) {
  std::string text;
  for (int i = 0; i < kLinesPerDatagram; ++i) {
    text += event("u" + std::to_string(i), seq, R"("price":1.5,"size":2)") + "\n";
  }
  return text;
}

// Sends datagrams as fast as sendmmsg goes until `stop`; returns how many it sent.
long flood(std::uint16_t port, const std::atomic<bool>& stop) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  const std::string text = datagram(1);
  constexpr unsigned kBatch = 64;
  iovec vector{const_cast<char*>(text.data()), text.size()};
  mmsghdr headers[kBatch] = {};
  for (auto& header : headers) {
    header.msg_hdr.msg_iov = &vector;
    header.msg_hdr.msg_iovlen = 1;
  }
  long sent = 0;
  while (!stop) {
    int n = sendmmsg(fd, headers, kBatch, 0);
    if (n > 0) sent += n;
  }
  close(fd);
  return sent;
}

// The UDP socket bound to 127.0.0.1:port as /proc/net/udp shows it: bytes waiting in its
// receive queue and datagrams dropped; -1 each if absent.
struct SocketLine {
  long queued = -1;
  long drops = -1;
};
SocketLine proc_net_udp(std::uint16_t port) {
  char local[32];
  std::snprintf(local, sizeof local, "0100007F:%04X", port);
  std::ifstream table("/proc/net/udp");
  for (std::string line; std::getline(table, line);) {
    std::istringstream fields(line);
    std::string slot, address, remote, state, queues, field;
    fields >> slot >> address >> remote >> state >> queues;  // queues: tx:rx, in hex
    if (address != local) continue;
    SocketLine socket_line;
    socket_line.queued = std::strtol(queues.c_str() + queues.find(':') + 1, nullptr, 16);
    while (fields >> field) socket_line.drops = std::atol(field.c_str());
    return socket_line;
  }
  return {};
}

class UdpFlood : public FaultTest {};

TEST_F(UdpFlood, DropsAreCountedExactlyTcpStaysServedAndLulldRecovers) {
  // A small receive buffer (the kernel doubles it), so the flood overflows it at once.
  start("", "", ", receive_buffer: 64KiB");

  std::atomic<bool> stop{false};
  long sent = 0;
  std::thread sender([&] { sent = flood(event_port_, stop); });

  // While the flood runs, TCP events are handled within a bound: one a 100 ms, each waited for.
  TcpClient client(event_port_);
  ASSERT_TRUE(client.connected());
  Clock::duration slowest{};
  for (int i = 0; i < 15; ++i) {
    const auto sent_at = Clock::now();
    ASSERT_TRUE(client.send(event("probe", i) + "\n"));
    EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", i + 1, 5s)) << "probe " << i;
    slowest = std::max(slowest, Clock::now() - sent_at);
    std::this_thread::sleep_for(100ms);
  }
  stop = true;
  sender.join();
  EXPECT_LT(slowest, 1s) << "a TCP event waited that long behind the UDP flood";

  // The flood is over: lulld empties the socket, then one more datagram (which now finds
  // room) brings the drop count the kernel has kept since the last one it queued.
  ASSERT_TRUE(eventually([&] { return proc_net_udp(event_port_).queued == 0; }, 20s));
  ASSERT_TRUE(udp_send(event_port_, {datagram(2)}));
  ++sent;
  const double kernel_drops_seen = static_cast<double>(proc_net_udp(event_port_).drops);
  ASSERT_TRUE(eventually(
      [&] {
        return events("udp") +
                   kLinesPerDatagram * metric("lull_input_kernel_drops_total", R"(input="udp")") ==
               static_cast<double>(sent) * kLinesPerDatagram;
      },
      5s))
      << "sent " << sent << " datagrams; handled " << events("udp") / kLinesPerDatagram
      << ", kernel drops counted " << metric("lull_input_kernel_drops_total", R"(input="udp")")
      << ", in /proc/net/udp " << kernel_drops_seen;
  const double drops = metric("lull_input_kernel_drops_total", R"(input="udp")");
  EXPECT_GT(drops, 0) << "the flood never overflowed the socket: not a flood";
  EXPECT_EQ(drops, kernel_drops_seen) << "lulld and /proc/net/udp disagree";
  EXPECT_EQ(rejected("invalid_json"), 0);

  // Recovered: paced events over both inputs are handled at once, none dropped.
  ASSERT_TRUE(udp_send(event_port_, {datagram(3)}));
  ASSERT_TRUE(client.send(event("after", 1) + "\n"));
  EXPECT_TRUE(wait_for("lull_events_total", R"(input="udp")",
                       static_cast<double>(sent + 1 - static_cast<long>(drops)) * kLinesPerDatagram,
                       2s));
  EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", 16, 2s));
  EXPECT_EQ(metric("lull_input_kernel_drops_total", R"(input="udp")"), drops);
}

}  // namespace
}  // namespace lull::testing
