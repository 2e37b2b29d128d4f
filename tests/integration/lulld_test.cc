// lulld_test.cc: the real lulld binary on free loopback ports: start, ingest over TCP and
// UDP, scrape, check the page with promtool when it is installed, stop with SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

const std::string kLulld = LULLD_PATH;

std::string write_temp(const std::string& tag, const std::string& text) {
  std::string path = "/tmp/lull-" + tag + "-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

// A running lulld on fresh ports, stopped (and checked) by the test or killed at the end.
class LulldFixture : public ::testing::Test {
 protected:
  void start(const std::string& extra_config = "", std::vector<std::string> environment = {}) {
    event_port_ = free_port();
    metrics_port_ = free_port();
    ASSERT_NE(event_port_, 0);
    ASSERT_NE(metrics_port_, 0);
    std::string port = std::to_string(event_port_);
    config_path_ = write_temp("it",
                              "inputs:\n"
                              "  - {type: tcp, listen: 127.0.0.1:" +
                                  port +
                                  ", max_line: 1KiB}\n"
                                  "  - {type: udp, listen: 127.0.0.1:" +
                                  port +
                                  ", max_line: 1KiB}\n"
                                  "metrics:\n  listen: 127.0.0.1:" +
                                  std::to_string(metrics_port_) + "\n" + extra_config);
    lulld_ = std::make_unique<Subprocess>(
        std::vector<std::string>{kLulld, "--config", config_path_, "--log-level", "info"},
        std::move(environment));
    bool up =
        eventually([&] { return http_get(metrics_port_, "/metrics", 200ms).has_value(); }, 10s);
    ASSERT_TRUE(up) << "lulld did not serve /metrics; stderr:\n" << lulld_->errors();
  }

  void TearDown() override {
    lulld_.reset();
    if (!config_path_.empty()) unlink(config_path_.c_str());
  }

  std::string scrape() {
    auto response = http_get(metrics_port_, "/metrics");
    return response && response->status == 200 ? response->body : "";
  }

  double metric(const std::string& name, const std::string& labels = "") {
    return metric_value(scrape(), name, labels).value_or(-1);
  }

  std::uint16_t event_port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::string config_path_;
  std::unique_ptr<Subprocess> lulld_;
};

std::string tick(int seq, const std::string& key = "m1") {
  return R"({"seq":)" + std::to_string(seq) + R"(,"ts":1,"key":")" + key +
         R"(","type":"tick","price":1.5,"size":2})";
}

TEST_F(LulldFixture, CountsEventsFromTcpAndUdp) {
  start();
  std::string stream;
  for (int i = 0; i < 100; ++i) stream += tick(i) + "\n";
  ASSERT_TRUE(tcp_send(event_port_, stream));
  ASSERT_TRUE(tcp_send(event_port_, tick(100) + "\r\n" + tick(101)));  // CRLF; no final newline
  ASSERT_TRUE(udp_send(event_port_, {tick(1), tick(2) + "\n" + tick(3) + "\n"}));

  EXPECT_TRUE(eventually([&] { return metric("lull_events_total", R"(input="tcp")") == 102; }, 5s))
      << scrape();
  EXPECT_TRUE(eventually([&] { return metric("lull_events_total", R"(input="udp")") == 3; }, 5s))
      << scrape();
}

TEST_F(LulldFixture, CountsRejectionsByReasonAndKeepsServing) {
  start();
  std::string garbage = "not json\n[1,2]\n{\"seq\":1}\n{\"key\":5}\n{\"key\":\"k\"\n" +
                        std::string(2000, 'x') + "\n" + tick(1) + "\n";
  ASSERT_TRUE(tcp_send(event_port_, garbage));
  ASSERT_TRUE(udp_send(event_port_, {std::string(1500, 'y')}));  // datagram over max_line

  EXPECT_TRUE(eventually([&] { return metric("lull_events_total", R"(input="tcp")") == 1; }, 5s));
  auto page = scrape();
  EXPECT_EQ(metric_value(page, "lull_events_rejected_total", R"(reason="invalid_json")"), 2);
  EXPECT_EQ(metric_value(page, "lull_events_rejected_total", R"(reason="not_object")"), 1);
  EXPECT_EQ(metric_value(page, "lull_events_rejected_total", R"(reason="missing_key")"), 1);
  EXPECT_EQ(metric_value(page, "lull_events_rejected_total", R"(reason="bad_key")"), 1);
  EXPECT_EQ(metric_value(page, "lull_events_rejected_total", R"(reason="line_too_long")"), 2);
  EXPECT_NE(lulld_->errors().find("rejected line (not_object)"), std::string::npos);
}

TEST_F(LulldFixture, ServesAPageThatPromtoolAccepts) {
  start();
  ASSERT_TRUE(tcp_send(event_port_, tick(1) + "\n"));
  ASSERT_TRUE(eventually([&] { return metric("lull_events_total", R"(input="tcp")") == 1; }, 5s));
  auto page = scrape();
  for (const char* family :
       {"lull_build_info", "process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_open_fds", "process_start_time_seconds", "process_max_fds"}) {
    EXPECT_NE(page.find(std::string("\n") + family), std::string::npos) << family;
  }
  EXPECT_GT(metric_value(page, "process_resident_memory_bytes").value_or(0), 1e6);

  if (access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool is not installed";
  std::string page_path = write_temp("page", page);
  auto check =
      run_program({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + page_path}, 30s);
  unlink(page_path.c_str());
  EXPECT_EQ(check.status, 0) << check.output << check.errors;
  EXPECT_EQ(check.errors, "") << "promtool found problems";
}

TEST_F(LulldFixture, AnswersOtherPathsWith404) {
  start();
  auto response = http_get(metrics_port_, "/nope");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
}

TEST_F(LulldFixture, StopsCleanlyOnSigtermAfterProcessingWhatItRead) {
  start();
  std::string stream;
  for (int i = 0; i < 1000; ++i) stream += tick(i, "k" + std::to_string(i % 10)) + "\n";
  ASSERT_TRUE(tcp_send(event_port_, stream));
  ASSERT_TRUE(
      eventually([&] { return metric("lull_events_total", R"(input="tcp")") == 1000; }, 5s));

  auto begin = std::chrono::steady_clock::now();
  lulld_->signal(SIGTERM);
  auto status = lulld_->wait(5s);
  auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_TRUE(status.has_value()) << "lulld still running 5 s after SIGTERM";
  EXPECT_EQ(*status, 0) << lulld_->errors();
  EXPECT_LT(took, 2s);
  EXPECT_NE(lulld_->errors().find("lulld stopped"), std::string::npos) << lulld_->errors();
}

TEST_F(LulldFixture, LogsWithJournalPrioritiesAndNoTimestampsUnderSystemd) {
  start("", {"JOURNAL_STREAM=8:12345"});
  lulld_->signal(SIGTERM);
  ASSERT_TRUE(lulld_->wait(5s).has_value());
  auto log = lulld_->errors();
  EXPECT_EQ(log.rfind("<6>input ", 0), 0u) << log;
  EXPECT_NE(log.find("\n<6>lulld stopped\n"), std::string::npos) << log;
}

TEST_F(LulldFixture, LogsWithTimestampsOtherwise) {
  start("", {"JOURNAL_STREAM="});  // even if this test itself runs under systemd
  lulld_->signal(SIGTERM);
  ASSERT_TRUE(lulld_->wait(5s).has_value());
  auto log = lulld_->errors();
  // 2026-11-25T14:17:45.123+0000 info input ...
  ASSERT_GT(log.size(), 30u);
  EXPECT_EQ(log[4], '-');
  EXPECT_EQ(log[10], 'T');
  EXPECT_NE(log.find(" info input "), std::string::npos) << log;
}

TEST(LulldCommandLine, RejectsAnInvalidConfigWithItsPosition) {
  std::string path = write_temp("bad", "gc:\n  quantum: fast\n");
  auto result = run_program({kLulld, "--check-config", "--config", path}, 10s);
  unlink(path.c_str());
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.errors.find(path + ":2:12: gc.quantum:"), std::string::npos) << result.errors;
}

TEST(LulldCommandLine, PrintsADefaultConfigThatChecksOut) {
  auto printed = run_program({kLulld, "--print-config"}, 10s);
  ASSERT_EQ(printed.status, 0);
  std::string path = write_temp("default", printed.output);
  auto checked = run_program({kLulld, "--check-config", "--config", path}, 10s);
  unlink(path.c_str());
  EXPECT_EQ(checked.status, 0) << checked.errors;
}

TEST(LulldCommandLine, RefusesUnknownOptions) {
  auto result = run_program({kLulld, "--frobnicate"}, 10s);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.errors.find("unknown option '--frobnicate'"), std::string::npos);
}

TEST(LulldCommandLine, FailsToStartWhenItsPortIsTaken) {
  std::uint16_t port = free_port();
  // Hold the port with a TCP listener of our own.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  listen(fd, 1);
  std::string path =
      write_temp("taken", "inputs:\n  - {type: tcp, listen: 127.0.0.1:" + std::to_string(port) +
                              "}\nmetrics: {enabled: false}\n");
  auto result = run_program({kLulld, "--config", path}, 10s);
  close(fd);
  unlink(path.c_str());
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.errors.find("cannot start"), std::string::npos) << result.errors;
}

}  // namespace
}  // namespace lull::testing
