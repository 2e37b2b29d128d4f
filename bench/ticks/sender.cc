// sender.cc: see sender.h.
#include "bench/ticks/sender.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "bench/ticks/loopback.h"
#include "bench/ticks/price_jump_model.h"
#include "bench/ticks/tick_stream.h"

namespace lull::bench {
namespace {

bool write_all(int fd, const std::string& bytes, bool udp) {
  if (udp) {
    // A datagram that the receiver's buffer cannot take is dropped by the kernel, silently;
    // the sink then reports its actions as missing.
    return send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) >= 0 || errno == ECONNREFUSED;
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

}  // namespace

void run_sender(const TicksOptions& options, std::int64_t t0_ns, SharedRun& run) {
  // Wake up when the next event is due, not up to 50 us later (the default timer slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  const int fd = connect_to(options.events.host, options.events.port, options.udp);
  if (fd < 0) {
    std::fprintf(stderr, "lull-ticks: cannot connect to %s:%u for events: %s\n",
                 options.events.host.c_str(), options.events.port, std::strerror(errno));
    run.sender.failed = true;
    run.sender.done = true;
    return;
  }
  TickStream stream(options.seed, options.keys, options.rate, options.jump_fraction, t0_ns);
  PriceJumpModel model(options.keys, static_cast<std::int64_t>(options.window_s * 1e9),
                       options.min_events, options.threshold);
  std::string batch;
  std::uint64_t next = 1;
  const auto send_interval_ns = static_cast<std::int64_t>(options.send_interval_us * 1e3);
  std::int64_t last_write = 0;
  while (next <= run.total && !run.stop.load(std::memory_order_relaxed)) {
    // At most one write per send_interval: fewer, larger writes cost the machine (and lulld,
    // which shares it) far less than one system call per event; the events that wait for the
    // next write keep their scheduled ts, so the wait is part of their measured latency.
    const std::int64_t due = std::max(stream.scheduled_ts(next), last_write + send_interval_ns);
    std::int64_t now = realtime_ns();
    if (now < due) {
      const timespec wake{static_cast<time_t>(due / 1'000'000'000),
                          static_cast<long>(due % 1'000'000'000)};
      clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &wake, nullptr);
      continue;
    }
    batch.clear();
    const std::uint64_t first = next;
    int in_batch = 0;
    std::uint64_t must_fire = 0, borderline = 0;
    while (next <= run.total && in_batch < options.batch_max && stream.scheduled_ts(next) <= now) {
      const Tick tick = stream.next(batch);
      const Verdict verdict = model.feed(tick.key, tick.ts, tick.price);
      run.verdicts[tick.seq].store(static_cast<std::uint8_t>(verdict), std::memory_order_release);
      run.send_lag.record(now - tick.ts);
      must_fire += verdict == Verdict::kFire;
      borderline += verdict == Verdict::kBorderline;
      ++in_batch;
      ++next;
    }
    last_write = in_batch == options.batch_max ? 0 : now;  // still behind: no pause
    store_max(run.sender.lag_max_ns, now - stream.scheduled_ts(first));
    const bool ok = write_all(fd, batch, options.udp);
    run.sender.blocked_ns.fetch_add(realtime_ns() - now, std::memory_order_relaxed);
    if (!ok) {
      std::fprintf(stderr, "lull-ticks: sending events failed: %s\n", std::strerror(errno));
      run.sender.failed = true;
      break;
    }
    run.sender.must_fire.fetch_add(must_fire, std::memory_order_relaxed);
    run.sender.borderline.fetch_add(borderline, std::memory_order_relaxed);
    run.sender.sent.fetch_add(static_cast<std::uint64_t>(in_batch), std::memory_order_release);
  }
  close(fd);
  run.sender.done = true;
}

}  // namespace lull::bench
