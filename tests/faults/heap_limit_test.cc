// heap_limit_test.cc: a window too large for the memory given. The heap reaches gc.hard_limit;
// lulld then collects fully, and what still does not fit is rejected (heap_full), logged and
// counted, never an abort: every line sent is an accepted event or a counted rejection, and
// lulld keeps serving and stops cleanly.
#include <signal.h>

#include "tests/faults/lulld_fixture.h"

namespace lull::testing {
namespace {

using namespace std::chrono_literals;

// A rate rule over an hour holds every event; each carries 4 KiB, so 8 MiB holds about two
// thousand of them.
const std::string kConfig =
    "gc: {nursery: 1MiB, min_trigger: 2MiB, soft_limit: 4MiB, hard_limit: 8MiB}\n"
    "state: {key_ttl: 1h, max_keys: 1000}\n"
    "actions:\n  audit: {type: log}\n"
    "rules:\n  - {name: hoard, kind: rate, window: 1h, count: 1000000000, action: audit}\n";

class HeapLimit : public FaultTest {};

TEST_F(HeapLimit, AWindowTooLargeForTheHeapIsRejectedAndCountedNeverAborts) {
  start(kConfig);
  const std::string pad = "\"pad\":\"" + std::string(4096, 'p') + "\"";
  TcpClient client(event_port_);
  ASSERT_TRUE(client.connected());
  int sent = 0;
  // Batches of 500, each waited for, until the heap is full (at most 40,000 lines: 160 MiB).
  while (rejected("heap_full") <= 0 && sent < 40'000) {
    std::string batch;
    for (int i = 0; i < 500; ++i, ++sent)
      batch += event("k" + std::to_string(sent % 100), sent, pad) + "\n";
    ASSERT_TRUE(client.send(batch));
    ASSERT_TRUE(eventually([&] { return events() + rejected("heap_full") == sent; }, 20s))
        << scrape() << log();
  }
  const double full = rejected("heap_full");
  ASSERT_GT(full, 0) << "the heap never filled: " << scrape();
  EXPECT_EQ(events() + full, sent) << "a line went unaccounted";
  EXPECT_GT(metric("lull_gc_hard_limit_total"), 0);
  EXPECT_NE(log().find("rejected line (heap_full)"), std::string::npos) << log();
  EXPECT_LE(metric("lull_heap_committed_bytes"), 8.0 * 1024 * 1024) << scrape();

  // Still serving: the metrics page answers, a new connection is accepted, and a line is
  // accounted for (rejected while the window holds the heap).
  const double before = events() + rejected("heap_full");
  ASSERT_TRUE(tcp_send(event_port_, event("late", 1) + "\n"));
  EXPECT_TRUE(eventually([&] { return events() + rejected("heap_full") == before + 1; }, 5s));

  lulld_->signal(SIGTERM);
  auto status = lulld_->wait(10s);
  ASSERT_TRUE(status.has_value()) << "lulld did not stop";
  EXPECT_EQ(*status, 0) << log();
}

}  // namespace
}  // namespace lull::testing
