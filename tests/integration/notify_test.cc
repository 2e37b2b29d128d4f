// notify_test.cc: lulld speaks systemd's notify protocol to a Unix datagram socket of the
// test's own, as systemd would hold it for a Type=notify unit with WatchdogSec set.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// systemd's end of the protocol: one datagram per sd_notify() call.
class NotifySocket {
 public:
  NotifySocket() : path_("/tmp/lull-notify-" + std::to_string(getpid()) + ".sock") {
    unlink(path_.c_str());
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  struct Message {
    std::string text;
    Clock::time_point received;
  };
  // The next message, or nullopt after `timeout`.
  std::optional<Message> receive(std::chrono::milliseconds timeout) {
    timeval wait{static_cast<time_t>(timeout.count() / 1000),
                 static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n < 0) return std::nullopt;
    return Message{std::string(buffer, static_cast<std::size_t>(n)), Clock::now()};
  }
  // Messages until one contains `needle` (returned last); empty if none did within `timeout`.
  std::vector<Message> receive_until(const std::string& needle, std::chrono::milliseconds timeout) {
    std::vector<Message> seen;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      auto message = receive(std::max(left, 1ms));
      if (!message) break;
      seen.push_back(*message);
      if (message->text.find(needle) != std::string::npos) return seen;
    }
    return {};
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class NotifyTest : public ::testing::Test {
 protected:
  static constexpr auto kWatchdog = 400ms;  // WatchdogSec: pings due every 200 ms

  void SetUp() override {
    ASSERT_TRUE(notify_.bound());
    config_path_ = "/tmp/lull-notify-" + std::to_string(getpid()) + ".yaml";
    write_config("");
  }
  void start_under_systemd() {
    start({"NOTIFY_SOCKET=" + notify_.path(),
           "WATCHDOG_USEC=" + std::to_string(std::chrono::microseconds(kWatchdog).count())});
  }
  void start(std::vector<std::string> environment) {
    lulld_ = std::make_unique<Subprocess>(
        std::vector<std::string>{LULLD_PATH, "--config", config_path_}, std::move(environment));
  }
  void TearDown() override {
    lulld_.reset();
    unlink(config_path_.c_str());
  }
  void write_config(const std::string& extra) {
    std::ofstream(config_path_) << "inputs:\n  - {type: tcp, listen: 127.0.0.1:" << port_
                                << "}\nmetrics: {enabled: false}\n"
                                << extra;
  }

  NotifySocket notify_;
  std::uint16_t port_ = free_port();
  std::string config_path_;
  std::unique_ptr<Subprocess> lulld_;
};

TEST_F(NotifyTest, ReadyStatusWatchdogAtHalfTheIntervalReloadingAndStopping) {
  start_under_systemd();
  auto ready = notify_.receive_until("READY=1", 10s);
  ASSERT_FALSE(ready.empty()) << lulld_->errors();
  EXPECT_TRUE(has(ready.back().text, "STATUS=")) << ready.back().text;
  // READY=1 comes once the listeners are bound: the port takes a connection now.
  EXPECT_TRUE(tcp_send(port_, "{\"a\":1}\n"));

  std::vector<Clock::time_point> pings;
  int statuses = 0;
  const auto until = Clock::now() + 2200ms;
  while (Clock::now() < until) {
    auto message = notify_.receive(500ms);
    ASSERT_TRUE(message) << "no message for 500 ms";
    if (has(message->text, "WATCHDOG=1")) pings.push_back(message->received);
    if (has(message->text, "STATUS=")) {
      ++statuses;
      EXPECT_TRUE(has(message->text, "events/s")) << message->text;
    }
  }
  // 2.2 s at one ping per 200 ms: 11; allow for a loaded machine, not for a wrong cadence
  // (every 400 ms gives 5-6, every 100 ms 22).
  EXPECT_GE(pings.size(), 8u);
  EXPECT_LE(pings.size(), 14u);
  std::vector<Clock::duration> gaps;
  for (std::size_t i = 1; i < pings.size(); ++i) gaps.push_back(pings[i] - pings[i - 1]);
  std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
  const auto median = gaps[gaps.size() / 2];
  EXPECT_GT(median, 150ms);
  EXPECT_LT(median, 300ms);
  EXPECT_GE(statuses, 1);  // the status line is refreshed every second

  // SIGHUP: RELOADING=1 with the monotonic time systemd 253+ wants, then READY=1 again.
  lulld_->signal(SIGHUP);
  auto reloading = notify_.receive_until("RELOADING=1", 5s);
  ASSERT_FALSE(reloading.empty());
  EXPECT_TRUE(has(reloading.back().text, "MONOTONIC_USEC=")) << reloading.back().text;
  EXPECT_FALSE(notify_.receive_until("READY=1", 5s).empty());

  lulld_->signal(SIGTERM);
  EXPECT_FALSE(notify_.receive_until("STOPPING=1", 5s).empty());
  EXPECT_EQ(lulld_->wait(10s), 0);
}

TEST_F(NotifyTest, NoMessagesWithoutNotifySocket) {
  // Not under systemd (WATCHDOG_USEC alone does not make it so): lulld runs and stops as
  // ever, and the socket stays silent.
  start({"WATCHDOG_USEC=100000"});
  ASSERT_TRUE(eventually([&] { return tcp_send(port_, ""); }, 10s)) << lulld_->errors();
  EXPECT_FALSE(notify_.receive(500ms).has_value());
  lulld_->signal(SIGTERM);
  EXPECT_EQ(lulld_->wait(10s), 0);
}

}  // namespace
}  // namespace lull::testing
