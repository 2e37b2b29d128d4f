// reactor_test.cc: the reactor's promises about when the heap collects: never inside a
// handler (idle mode), GC work yields to ready I/O within one quantum, timers are not
// overrun, the pacer keeps a never-idle stream's heap bounded within its CPU share, and the
// classic and off modes do what they say.
#include "runtime/reactor.h"

#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "gc/handles.h"
#include "gc/member.h"
#include "gc/visitor.h"

namespace lull::runtime {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

struct Node : gc::GarbageCollected<Node> {
  explicit Node(std::int64_t v) : value(v) {}
  void trace(gc::Visitor& visitor) const { visitor.trace(next); }
  std::int64_t value;
  gc::Member<Node> next;
};

// Records every GC event and whether a test handler was running when it came.
class WatchingObserver : public gc::GcObserver {
 public:
  void on_gc_event(const gc::GcEvent& event) override {
    ++events;
    if (in_handler) ++events_in_handler;
    if (event.kind == gc::GcKind::kMark) ++mark_events;
  }
  bool in_handler = false;
  int events = 0;
  int events_in_handler = 0;
  int mark_events = 0;
};

config::GcConfig small_heap(config::GcMode mode) {
  config::GcConfig gc;
  gc.mode = mode;
  gc.nursery = 256 * config::kKiB;
  gc.min_trigger = 2 * config::kMiB;
  gc.soft_limit = 16 * config::kMiB;
  gc.hard_limit = 256 * config::kMiB;
  gc.quantum = 50us;
  return gc;
}

// Allocates `count` nodes, linking every `keep_every`-th onto the list held by `head`.
// Inside a handler of idle or off mode nothing collects, so raw pointers are safe there;
// classic mode may collect at any allocation, so everything goes through a Local.
void allocate_nodes(gc::Heap& heap, gc::Persistent<Node>& head, int count, int keep_every) {
  for (int i = 0; i < count; ++i) {
    gc::Local<Node> node(heap, heap.make<Node>(i));
    if (i % keep_every == 0) {
      node->next = head.get();
      head = node.get();
    }
  }
}

TEST(Reactor, IdleModeNeverCollectsInsideAHandler) {
  Reactor reactor(small_heap(config::GcMode::kIdle));
  WatchingObserver observer;
  reactor.heap().set_observer(&observer);
  gc::Persistent<Node> head(reactor.heap(), nullptr);
  // A storm: each handler allocates several nurseries' worth, keeping one node in ten.
  for (int handler = 0; handler < 20; ++handler) {
    asio::post(reactor.io(), [&] {
      observer.in_handler = true;
      allocate_nodes(reactor.heap(), head, 40'000, 10);  // ~1.3 MiB each
      observer.in_handler = false;
    });
  }
  reactor.run();
  EXPECT_EQ(observer.events_in_handler, 0);
  auto stats = reactor.heap().statistics();
  EXPECT_GT(stats.region_overflows, 0u) << "the storm should have overflowed the nursery";
  EXPECT_EQ(stats.region_breaks, 0u);
}

TEST(Reactor, IdleModeCollectsInTheLullsAfterAStorm) {
  auto gc = small_heap(config::GcMode::kIdle);
  Reactor reactor(gc);
  gc::Persistent<Node> head(reactor.heap(), nullptr);
  asio::steady_timer done(reactor.io());
  for (int handler = 0; handler < 10; ++handler) {
    asio::post(reactor.io(), [&] { allocate_nodes(reactor.heap(), head, 40'000, 1000); });
  }
  // Lulls follow: keep the loop alive with nothing to do but GC, looking every 10 ms until a
  // major cycle has completed and the nursery is empty (bounded: 10 s, for slow sanitizer
  // builds; here a debug build needed 70 ms, TSan 330). A timer is not a handler that allocates, so
  // what the checks find was done in lulls.
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  std::function<void()> check = [&] {
    const auto stats = reactor.heap().statistics();
    const bool collected = stats.major_cycles > 0 && stats.nursery_used_bytes == 0;
    if (collected || std::chrono::steady_clock::now() > give_up) return;
    done.expires_after(10ms);
    done.async_wait([&](boost::system::error_code) { check(); });
  };
  check();
  reactor.run();
  auto stats = reactor.heap().statistics();
  EXPECT_GT(reactor.counters().idle_quanta.load(), 0u);
  EXPECT_GT(stats.major_cycles, 0u) << "12 MiB of mostly garbage should have run a major cycle";
  EXPECT_EQ(stats.nursery_used_bytes, 0u) << "the lull should have emptied the nursery";
  EXPECT_LT(stats.old_bytes + stats.large_bytes, gc.soft_limit);
}

// Fills the old space with `count` live nodes and starts a major cycle, leaving it mid-mark.
void build_old_space_mid_cycle(gc::Heap& heap, gc::Persistent<Node>& head, int count) {
  for (int i = 0; i < count; ++i) {
    gc::Local<Node> node(heap, heap.make<Node>(i));
    node->next = head.get();
    head = node.get();
    if (i % 4096 == 0) heap.collect_minor();
  }
  heap.collect_minor();
  auto step = heap.collect_step(gc::Heap::Clock::now() + 20us);
  if (step.minor_needed) step = heap.collect_step(gc::Heap::Clock::now() + 20us);
  ASSERT_EQ(heap.phase(), gc::MajorPhase::kMarking);
}

TEST(Reactor, GcWorkYieldsToAReadySocketWithinOneQuantum) {
  auto gc = small_heap(config::GcMode::kIdle);
  gc.min_trigger = 1 * config::kMiB;
  Reactor reactor(gc);
  gc::Persistent<Node> head(reactor.heap(), nullptr);
  build_old_space_mid_cycle(reactor.heap(), head, 400'000);

  asio::ip::udp::socket socket(reactor.io(),
                               asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = socket.local_endpoint().port();
  std::atomic<std::uint64_t> quanta_at_send{0};
  std::uint64_t quanta_at_handler = 0;
  std::array<char, 64> buffer;
  bool served = false;
  socket.async_receive(asio::buffer(buffer), [&](boost::system::error_code, std::size_t) {
    served = true;
    quanta_at_handler = reactor.counters().idle_quanta.load();
    reactor.stop();
  });

  // A reactor that never serves the socket fails the test instead of hanging it.
  asio::steady_timer guard(reactor.io());
  guard.expires_after(10s);
  guard.async_wait([&](boost::system::error_code error) {
    if (!error) reactor.stop();
  });
  std::thread sender([&] {
    // Wait until the reactor is busy with GC in its lull, then make the socket readable.
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (reactor.counters().idle_quanta.load() < 5 &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
    asio::io_context io;
    asio::ip::udp::socket out(io, asio::ip::udp::v4());
    out.send_to(asio::buffer("x", 1), {asio::ip::make_address("127.0.0.1"), port});
    // Loopback delivers during send_to, so the socket is readable from here on.
    quanta_at_send = reactor.counters().idle_quanta.load();
  });
  reactor.run();
  sender.join();
  ASSERT_TRUE(served) << "the ready socket was not served within 10 s";
  ASSERT_GE(quanta_at_send.load(), 5u) << "the datagram came before the reactor was busy with GC";
  EXPECT_NE(reactor.heap().phase(), gc::MajorPhase::kIdle) << "the cycle should not be over yet";
  EXPECT_LE(quanta_at_handler, quanta_at_send.load() + 1)
      << "the handler waited for more than the quantum in progress";
}

TEST(Reactor, NoQuantumRunsPastADueTimer) {
  auto gc = small_heap(config::GcMode::kIdle);
  gc.min_trigger = 1 * config::kMiB;
  Reactor reactor(gc);
  reactor.record_quantum_deadlines_for_testing();
  gc::Persistent<Node> head(reactor.heap(), nullptr);
  build_old_space_mid_cycle(reactor.heap(), head, 400'000);

  Timer timer(reactor.io(), reactor.timers());
  // Far enough out that a slow (sanitizer) build still starts quanta before it is due.
  const auto expiry = Reactor::Clock::now() + 20ms;
  bool fired = false;
  timer.async_wait_until(expiry, [&](boost::system::error_code error) {
    fired = !error;
    reactor.stop();
  });
  reactor.run();
  ASSERT_TRUE(fired);
  ASSERT_FALSE(reactor.quantum_deadlines_for_testing().empty());
  for (auto deadline : reactor.quantum_deadlines_for_testing()) EXPECT_LE(deadline, expiry);
}

TEST(Reactor, PacerCompletesCyclesForAStreamThatNeverPauses) {
  auto gc = small_heap(config::GcMode::kIdle);
  gc.max_pacing_share = 0.25;
  Reactor reactor(gc);
  gc::Persistent<Node> head(reactor.heap(), nullptr);
  std::uint64_t peak_committed = 0;
  const auto start = Reactor::Clock::now();
  // Each handler re-posts itself, so a handler is always ready: the loop never has a lull.
  // Like an event handler, each one computes for a while (20 us) and allocates a little
  // (20 nodes); a window of the newest ~20,000 nodes stays alive, the rest dies.
  std::uint64_t last_quanta = 0, most_quanta_between_handlers = 0;
  std::function<void(int)> work = [&](int round) {
    const auto quanta = reactor.counters().paced_quanta.load();
    most_quanta_between_handlers = std::max(most_quanta_between_handlers, quanta - last_quanta);
    last_quanta = quanta;
    const auto busy_until = Reactor::Clock::now() + 20us;
    while (Reactor::Clock::now() < busy_until) {
    }
    for (int i = 0; i < 20; ++i) {
      Node* node = reactor.heap().make<Node>(round * 20 + i);
      node->next = head.get();
      head = node;
    }
    if (round % 1000 == 0) {  // cut the list behind the newest 20,000
      Node* keep = head.get();
      for (int i = 0; i < 20'000 && keep->next.get() != nullptr; ++i) keep = keep->next.get();
      keep->next = nullptr;
    }
    peak_committed =
        std::max<std::uint64_t>(peak_committed, reactor.heap().statistics().committed_bytes);
    if (Reactor::Clock::now() - start < 1500ms) {
      asio::post(reactor.io(), [&work, round] { work(round + 1); });
    }
  };
  asio::post(reactor.io(), [&] { work(0); });
  reactor.run();
  const auto elapsed = Reactor::Clock::now() - start;

  EXPECT_EQ(reactor.counters().idle_quanta.load(), 0u) << "the stream should have left no lull";
  EXPECT_GT(reactor.counters().paced_quanta.load(), 0u);
  EXPECT_EQ(most_quanta_between_handlers, 1u) << "a ready event waited for more than one quantum";
  EXPECT_GT(reactor.heap().statistics().major_cycles, 0u);
  auto stats = reactor.heap().statistics();
  EXPECT_LT(peak_committed, gc.soft_limit + 8 * config::kMiB)
      << "paced quanta " << reactor.counters().paced_quanta.load() << ", cycles "
      << stats.major_cycles << ", minors " << stats.minor_collections << ", allocated "
      << stats.allocated_bytes_total << ", overflows " << stats.region_overflows
      << ", hard-limit collections " << stats.hard_limit_collections << ", old " << stats.old_bytes;
  const double share = static_cast<double>(reactor.counters().paced_ns.load()) /
                       static_cast<double>(std::chrono::nanoseconds(elapsed).count());
  EXPECT_LE(share, gc.max_pacing_share + 0.05);
}

TEST(Reactor, ClassicModeCollectsInsideHandlers) {
  Reactor reactor(small_heap(config::GcMode::kClassic));
  WatchingObserver observer;
  reactor.heap().set_observer(&observer);
  gc::Persistent<Node> head(reactor.heap(), nullptr);
  asio::post(reactor.io(), [&] {
    observer.in_handler = true;
    allocate_nodes(reactor.heap(), head, 100'000, 10);
    observer.in_handler = false;
  });
  reactor.run();
  EXPECT_GT(observer.events_in_handler, 0);
}

TEST(Reactor, OffModeNeverCollects) {
  Reactor reactor(small_heap(config::GcMode::kOff));
  WatchingObserver observer;
  reactor.heap().set_observer(&observer);
  gc::Persistent<Node> head(reactor.heap(), nullptr);
  for (int handler = 0; handler < 10; ++handler) {
    asio::post(reactor.io(), [&] { allocate_nodes(reactor.heap(), head, 40'000, 10); });
  }
  asio::steady_timer lull(reactor.io());
  lull.expires_after(50ms);
  lull.async_wait([](boost::system::error_code) {});
  reactor.run();
  EXPECT_EQ(observer.events, 0);
  EXPECT_EQ(reactor.heap().statistics().minor_collections, 0u);
  EXPECT_EQ(reactor.counters().idle_quanta.load(), 0u);
}

TEST(Reactor, SetBudgetsRetunesTheLoopAndHeapButKeepsModeAndNursery) {
  Reactor reactor(small_heap(config::GcMode::kIdle));
  config::GcConfig retuned = small_heap(config::GcMode::kClassic);
  retuned.nursery = 8 * config::kMiB;
  retuned.quantum = std::chrono::microseconds(20);
  retuned.hard_limit = 512 * config::kMiB;
  retuned.min_trigger = 4 * config::kMiB;
  reactor.set_budgets(retuned);

  EXPECT_EQ(reactor.gc_config().quantum, std::chrono::microseconds(20));
  EXPECT_EQ(reactor.heap().policy().hard_limit_bytes, 512 * config::kMiB);
  EXPECT_EQ(reactor.heap().policy().min_major_trigger_bytes, 4 * config::kMiB);
  EXPECT_EQ(reactor.gc_config().mode, config::GcMode::kIdle);
  EXPECT_EQ(reactor.gc_config().nursery, 256 * config::kKiB);
  EXPECT_EQ(reactor.heap().nursery_capacity_bytes(), 256 * config::kKiB);
}

TEST(Reactor, BlocksInsteadOfSpinningWhenThereIsNothingToDo) {
  Reactor reactor(small_heap(config::GcMode::kIdle));
  asio::steady_timer timer(reactor.io());
  timer.expires_after(100ms);
  timer.async_wait([](boost::system::error_code) {});
  reactor.run();
  // A spinning loop would have turned hundreds of thousands of times in 100 ms.
  EXPECT_LT(reactor.heartbeat(), 100u);
}

}  // namespace
}  // namespace lull::runtime
