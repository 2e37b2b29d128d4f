// input_faults_test.cc: hostile input against the real lulld. Every malformed line is
// rejected with its reason and counted exactly, the connection carrying it stays up, and
// the valid lines around it are accepted; a byte-per-tick client is served without holding
// others up; a client that connects and goes silent is closed after idle_timeout; and
// beyond max_connections, thousands of connections are refused and counted while the
// admitted ones are served. Reasons already covered by lulld_test (not json, not an object,
// missing or bad key, a long line and datagram) are not repeated here.
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "tests/faults/lulld_fixture.h"
#include "tests/faults/raw_client.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxLine = 16 * 1024;
const std::string kInputOptions = ", max_line: 16KiB";

struct Hostile {
  const char* what;
  std::string line;
  const char* reason;  // nullptr: accepted as an event
};

std::string nested(int depth) {
  return R"({"key":"deep","a":)" + std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']') + "}";
}

std::string garbage(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(1, '\x01');  // not blank, so it is never skipped as an empty line
  while (bytes.size() < size) {
    char c = static_cast<char>(random() & 0xff);
    if (c != '\n') bytes.push_back(c);
  }
  return bytes;
}

// Every line fits in max_line (16 KiB) and in one datagram, so TCP and UDP must agree.
std::vector<Hostile> hostile_lines() {
  return {
      {"invalid UTF-8 in a value", "{\"key\":\"k\",\"s\":\"\xff\xfe\"}", "invalid_json"},
      {"invalid UTF-8 in the key", "{\"key\":\"\xc3\x28\"}", "invalid_json"},
      {"overlong UTF-8", "{\"key\":\"k\",\"s\":\"\xc0\xaf\"}", "invalid_json"},
      {"UTF-8 encoded surrogate", "{\"key\":\"k\",\"s\":\"\xed\xa0\x80\"}", "invalid_json"},
      {"raw control byte in a string", std::string("{\"key\":\"k\x00\"}", 12), "invalid_json"},
      {"binary garbage", garbage(3000, 1), "invalid_json"},
      {"binary garbage with NULs", std::string(64, '\0') + "{}", "invalid_json"},
      {"truncated in a number", R"({"key":"k","price":1.)", "invalid_json"},
      {"truncated in an array", R"({"key":"k","a":[1,2)", "invalid_json"},
      {"truncated in a string", R"({"key":"k)", "invalid_json"},
      {"trailing garbage", R"({"key":"k"} x)", "invalid_json"},
      {"nesting past the parser's depth limit", nested(2000), "invalid_json"},
      {"deep but allowed nesting", nested(500), nullptr},
      {"a deeply nested array", std::string(300, '[') + std::string(300, ']'), "not_object"},
      {"a number past double range", R"({"key":"k","n":1e400})", "invalid_json"},
      {"a negative one", R"({"key":"k","n":-1e400})", "invalid_json"},
      {"an integer past 64 bits", R"({"key":"k","n":18446744073709551616})", "invalid_json"},
      {"the largest uint64", R"({"key":"k","n":18446744073709551615})", nullptr},
      {"a tiny number", R"({"key":"k","n":1e-400})", nullptr},
      {"an enormous string", R"({"key":"k","s":")" + std::string(15000, 's') + "\"}", nullptr},
      {"an enormous key", R"({"key":")" + std::string(15000, 'K') + "\"}", nullptr},
      {"an enormous time", R"({"key":"k","ts":99999999999999999999})", "invalid_json"},
  };
}

struct Expected {
  int accepted = 0;
  std::map<std::string, int> rejected;
};

Expected expected_of(const std::vector<Hostile>& lines) {
  Expected expected;
  for (const auto& line : lines) {
    if (line.reason) {
      ++expected.rejected[line.reason];
    } else {
      ++expected.accepted;
    }
  }
  return expected;
}

class InputFaults : public FaultTest {
 protected:
  void expect_counted(const Expected& expected, const std::string& input) {
    EXPECT_TRUE(wait_for("lull_events_total", "input=\"" + input + "\"", expected.accepted, 5s))
        << scrape() << log();
    for (const auto& [reason, count] : expected.rejected) {
      EXPECT_EQ(rejected(reason), count) << reason << "\n" << log();
    }
  }
};

TEST_F(InputFaults, HostileLinesOverTcpAreRejectedByReasonAndTheConnectionStaysUp) {
  start("", kInputOptions, kInputOptions);
  auto lines = hostile_lines();
  auto expected = expected_of(lines);
  RawClient client(event_port_);
  ASSERT_TRUE(client.connected());
  for (const auto& line : lines) {
    ASSERT_TRUE(client.send(line.line + "\n")) << line.what;
    ASSERT_TRUE(client.send(event("ok", 1) + "\n")) << "closed after " << line.what;
    ++expected.accepted;
  }
  // Past max_line: one line of 1 MiB, in pieces, is one rejection; then blank lines, which
  // are skipped and not counted; then the connection still works.
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(client.send(std::string(16 * 1024, 'x')));
  ASSERT_TRUE(client.send("\n   \n\t\r\n\n" + event("ok", 2) + "\n"));
  ++expected.rejected["line_too_long"];
  ++expected.accepted;
  expect_counted(expected, "tcp");
  EXPECT_FALSE(client.closed_by_peer(10ms));
}

TEST_F(InputFaults, HostileDatagramsAreRejectedByReason) {
  start("", kInputOptions, kInputOptions);
  auto lines = hostile_lines();
  auto expected = expected_of(lines);
  // Paced one at a time: what is tested is lulld, not the kernel's receive buffer.
  int handled = 0;
  for (const auto& line : lines) {
    ASSERT_LE(line.line.size(), kMaxLine);
    ASSERT_TRUE(udp_send(event_port_, {line.line})) << line.what;
    ++handled;
    ASSERT_TRUE(eventually(
        [&] {
          auto page = scrape();
          double total = metric_value(page, "lull_events_total", R"(input="udp")").value_or(0);
          for (const char* reason : {"invalid_json", "not_object"}) {
            total += metric_value(page, "lull_events_rejected_total",
                                  "reason=\"" + std::string(reason) + "\"")
                         .value_or(0);
          }
          return total == handled;
        },
        5s))
        << line.what;
  }
  expect_counted(expected, "udp");
}

TEST_F(InputFaults, AByteATimeClientIsServedWithoutHoldingOthersUp) {
  start();
  RawClient slow(event_port_);
  ASSERT_TRUE(slow.connected());
  const std::string line = event("slow", 1) + "\n";
  std::thread trickle([&] {
    for (char c : line) {
      slow.send(std::string(1, c));
      std::this_thread::sleep_for(50ms);
    }
  });
  // While the slow line trickles in, another client's events are handled at once.
  std::this_thread::sleep_for(100ms);
  std::string burst;
  for (int i = 0; i < 100; ++i) burst += event("fast", i) + "\n";
  ASSERT_TRUE(tcp_send(event_port_, burst));
  EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", 100, 2s))
      << "the slow client held the others up";
  trickle.join();
  EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", 101, 5s)) << "the slow line was lost";
  EXPECT_EQ(rejected("invalid_json"), 0);
}

TEST_F(InputFaults, ASilentClientIsClosedAfterTheIdleTimeout) {
  start("", ", idle_timeout: 300ms");
  RawClient silent(event_port_);
  RawClient half_line(event_port_);  // an event without its newline, then silence
  RawClient chatty(event_port_);     // a byte every 100 ms: never idle for 300 ms
  ASSERT_TRUE(silent.connected() && half_line.connected() && chatty.connected());
  ASSERT_TRUE(half_line.send(event("half", 1)));
  ASSERT_TRUE(wait_for("lull_input_connections", R"(input="tcp")", 3, 2s));

  const auto begin = std::chrono::steady_clock::now();
  const std::string line = event("chatty", 2) + "\n";
  for (char c : line.substr(0, 12)) {
    ASSERT_TRUE(chatty.send(std::string(1, c)));
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(silent.closed_by_peer(2s));
  EXPECT_TRUE(half_line.closed_by_peer(2s));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 250ms) << "closed before its timeout";
  EXPECT_EQ(metric("lull_input_connections_idle_closed_total", R"(input="tcp")"), 2);
  EXPECT_EQ(metric("lull_input_connections", R"(input="tcp")"), 1);
  // As at any close, the unterminated last line was still processed.
  EXPECT_EQ(events(), 1);

  ASSERT_TRUE(chatty.send(line.substr(12))) << "the chatty client was closed";
  EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", 2, 2s));
  EXPECT_TRUE(chatty.closed_by_peer(2s));  // and idle in its turn
  EXPECT_TRUE(wait_for("lull_input_connections_idle_closed_total", R"(input="tcp")", 3, 2s));
}

TEST_F(InputFaults, ThousandsOfConnectionsBeyondMaxConnectionsAreRefusedAndCounted) {
  constexpr int kMax = 100, kClients = 2000;
  start("", ", max_connections: " + std::to_string(kMax));
  std::vector<RawClient> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(event_port_);
    ASSERT_TRUE(clients.back().connected()) << "connect " << i << " failed";
  }
  // lulld accepts in connection order, so the first kMax are the admitted ones.
  ASSERT_TRUE(
      wait_for("lull_input_connections_refused_total", R"(input="tcp")", kClients - kMax, 10s))
      << scrape();
  EXPECT_EQ(metric("lull_input_connections", R"(input="tcp")"), kMax);
  for (int i = 0; i < kMax; ++i)
    ASSERT_TRUE(clients[static_cast<std::size_t>(i)].send(event("c", i) + "\n"));
  EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", kMax, 5s)) << scrape();
  for (int i : {kMax, kMax + 1, kClients / 2, kClients - 1}) {
    EXPECT_TRUE(clients[static_cast<std::size_t>(i)].closed_by_peer(2s)) << "client " << i;
  }

  // Room again: ten admitted clients leave, ten new ones are admitted and served.
  for (int i = 0; i < 10; ++i) clients[static_cast<std::size_t>(i)].close();
  ASSERT_TRUE(wait_for("lull_input_connections", R"(input="tcp")", kMax - 10, 5s));
  std::vector<RawClient> late;
  for (int i = 0; i < 10; ++i) {
    late.emplace_back(event_port_);
    ASSERT_TRUE(late.back().send(event("late", i) + "\n"));
  }
  EXPECT_TRUE(wait_for("lull_events_total", R"(input="tcp")", kMax + 10, 5s));
  EXPECT_EQ(metric("lull_input_connections", R"(input="tcp")"), kMax);
  EXPECT_EQ(metric("lull_input_connections_refused_total", R"(input="tcp")"), kClients - kMax);
}

}  // namespace
}  // namespace lull::testing
