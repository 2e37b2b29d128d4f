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
#include <exception>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/ticks/loopback.h"
#include "bench/ticks/nats_output.h"
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

// The value of the event's "key" (the generator writes it without escapes).
std::string_view key_of(std::string_view line) {
  constexpr std::string_view kKey = R"("key":")";
  const auto at = line.find(kKey);
  if (at == std::string_view::npos) return {};
  const auto begin = at + kKey.size();
  const auto end = line.find('"', begin);
  return end == std::string_view::npos ? std::string_view() : line.substr(begin, end - begin);
}

}  // namespace

void run_sender(const TicksOptions& options, std::int64_t t0_ns, SharedRun& run) {
  // Wake up when the next event is due, not up to 50 us later (the default timer slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  std::unique_ptr<NatsOutput> nats;
  if (options.nats) {
    try {
      nats = std::make_unique<NatsOutput>(options, run, t0_ns);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "lull-ticks: %s\n", error.what());
      run.sender.failed = true;
      run.sender.done = true;
      return;
    }
  }
  const int fd = nats ? -1 : connect_to(options.events.host, options.events.port, options.udp);
  if (!nats && fd < 0) {
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
  std::vector<std::pair<std::size_t, std::size_t>> lines;  // NATS: each event's line in batch
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
      // NATS: failed publishes are sent again when their backoff is over, between events.
      std::int64_t wake_ns = due;
      if (nats) {
        if (!nats->resend_due()) {
          std::fprintf(stderr,
                       "lull-ticks: sending events failed: the NATS connection is closed\n");
          run.sender.failed = true;
          break;
        }
        wake_ns = std::min(due, nats->next_resend_ns());
      }
      const timespec wake{static_cast<time_t>(wake_ns / 1'000'000'000),
                          static_cast<long>(wake_ns % 1'000'000'000)};
      if (wake_ns > now) clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &wake, nullptr);
      continue;
    }
    batch.clear();
    lines.clear();
    const std::uint64_t first = next;
    int in_batch = 0;
    std::uint64_t must_fire = 0, borderline = 0;
    while (next <= run.total && in_batch < options.batch_max && stream.scheduled_ts(next) <= now) {
      const std::size_t line_start = batch.size();
      const Tick tick = stream.next(batch);
      if (nats) lines.emplace_back(line_start, batch.size() - 1);  // without the '\n'
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
    bool ok = true;
    if (nats) {
      // One message per event, to <subject>.<key>; publish() waits while too many are
      // unresolved.
      const std::string_view text(batch);
      for (std::size_t i = 0; ok && i < lines.size(); ++i) {
        const auto line = text.substr(lines[i].first, lines[i].second - lines[i].first);
        ok = nats->publish(first + i, key_of(line), line);
      }
    } else {
      ok = write_all(fd, batch, options.udp);
    }
    run.sender.blocked_ns.fetch_add(realtime_ns() - now, std::memory_order_relaxed);
    if (!ok) {
      std::fprintf(stderr, "lull-ticks: sending events failed: %s\n",
                   nats ? "the NATS connection is closed" : std::strerror(errno));
      run.sender.failed = true;
      break;
    }
    run.sender.must_fire.fetch_add(must_fire, std::memory_order_relaxed);
    run.sender.borderline.fetch_add(borderline, std::memory_order_relaxed);
    run.sender.sent.fetch_add(static_cast<std::uint64_t>(in_batch), std::memory_order_release);
  }
  if (nats && !run.sender.failed) {
    nats->finish();  // every event acked, or given up
    run.nats_ack = nats->ack_latency();
  }
  nats.reset();
  if (fd >= 0) close(fd);
  run.sender.done = true;
}

}  // namespace lull::bench
