// scoring_sink.cc: see scoring_sink.h.
#include "bench/ticks/scoring_sink.h"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "bench/ticks/loopback.h"
#include "bench/ticks/nats_actions.h"
#include "bench/ticks/tick_stream.h"

namespace lull::bench {
namespace {

// The integer after `"name":` in a JSON line, or nullopt. lulld writes the fields in a fixed
// order without spaces; this accepts any order and a space after the colon.
std::optional<std::int64_t> field(std::string_view line, std::string_view quoted_name) {
  const auto at = line.find(quoted_name);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + quoted_name.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == ':')) ++i;
  bool negative = i < line.size() && line[i] == '-';
  if (negative) ++i;
  if (i >= line.size() || line[i] < '0' || line[i] > '9') return std::nullopt;
  std::int64_t value = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
    value = value * 10 + (line[i] - '0');
  return negative ? -value : value;
}

}  // namespace

ScoringSink::ScoringSink(const TicksOptions& options, SharedRun& run)
    : run_(run),
      warmup_ns_(static_cast<std::int64_t>(options.warmup_s * 1e9)),
      rate_(options.rate),
      produce_only_(options.produce_only) {
  result_.received.assign(run.total + 1, 0);
  if (produce_only_) {
    run_.sink_connected = true;
    return;
  }
  if (!options.actions_stream.empty()) {
    try {
      nats_ = std::make_unique<NatsActionSource>(options.nats_url, options.actions_stream);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "lull-ticks: cannot read actions from stream %s: %s\n",
                   options.actions_stream.c_str(), error.what());
      return;
    }
    if (options.progress) {
      std::fprintf(stderr, "lull-ticks: reading actions from stream %s (%s) from sequence %llu\n",
                   options.actions_stream.c_str(), nats_->created() ? "created" : "existing",
                   static_cast<unsigned long long>(nats_->start_sequence()));
    }
    result_.connections = 1;
    run_.sink_connected = true;  // nothing to wait for: lulld publishes to the stream
    return;
  }
  listen_fd_ = listen_on(options.sink.host, options.sink.port);
  if (listen_fd_ < 0) {
    std::fprintf(stderr, "lull-ticks: cannot listen on %s:%u for actions: %s\n",
                 options.sink.host.c_str(), options.sink.port, std::strerror(errno));
  }
}

ScoringSink::~ScoringSink() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

void ScoringSink::on_line(const char* begin, const char* end, std::int64_t now) {
  const std::string_view line(begin, static_cast<std::size_t>(end - begin));
  if (line.empty()) return;
  const auto seq = field(line, "\"seq\"");
  const auto ts = field(line, "\"ts\"");
  const std::int64_t t0_ns = run_.t0_ns.load(std::memory_order_acquire);
  if (!seq || !ts || *seq <= 0 || static_cast<std::uint64_t>(*seq) > run_.total || t0_ns == 0) {
    ++result_.unknown_seq;
    return;
  }
  if (*ts != scheduled_ts(t0_ns, rate_, static_cast<std::uint64_t>(*seq))) ++result_.ts_mismatch;
  auto& count = result_.received[static_cast<std::size_t>(*seq)];
  if (count < 255) ++count;
  const std::int64_t latency = now - *ts;
  (*ts >= t0_ns + warmup_ns_ ? result_.scored : result_.warmup).record(latency);
  {
    std::lock_guard lock(run_.sink_mutex);
    run_.sink_interval.latency.record(latency);
    ++run_.sink_interval.actions;
  }
  run_.actions_received.fetch_add(1, std::memory_order_relaxed);
}

void ScoringSink::serve() {
  if (nats_) {
    serve_nats();
  } else if (listen_fd_ >= 0) {
    serve_tcp();
  } else {
    while (!run_.stop.load(std::memory_order_relaxed)) poll(nullptr, 0, 50);
  }
}

void ScoringSink::serve_nats() {
  std::string_view data;
  bool has_msg_id = false;
  while (!run_.stop.load(std::memory_order_relaxed)) {
    if (!nats_->next(50, data, has_msg_id)) continue;
    const std::int64_t now = realtime_ns();
    result_.without_msg_id += !has_msg_id;
    // One action a message as lulld publishes them; more lines, or a final '\n', are taken.
    while (!data.empty()) {
      const auto newline = data.find('\n');
      const auto line = data.substr(0, newline);
      on_line(line.data(), line.data() + line.size(), now);
      if (newline == std::string_view::npos) break;
      data.remove_prefix(newline + 1);
    }
  }
  result_.read_errors = nats_->errors();
}

void ScoringSink::serve_tcp() {
  std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
  std::vector<std::string> partial{std::string()};  // an unfinished line per connection
  char buffer[65536];
  while (!run_.stop.load(std::memory_order_relaxed)) {
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        fds.push_back({fd, POLLIN, 0});
        partial.emplace_back();
        ++result_.connections;
        run_.sink_connected = true;
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      const std::int64_t now = realtime_ns();  // one clock read a read(): lines in it came together
      if (got <= 0) {
        close(fds[i].fd);
        fds.erase(fds.begin() + static_cast<long>(i));
        partial.erase(partial.begin() + static_cast<long>(i));
        run_.sink_connected = fds.size() > 1;
        --i;
        continue;
      }
      std::string& rest = partial[i];
      const char* start = buffer;
      const char* end = buffer + got;
      for (const char* newline; (newline = static_cast<const char*>(std::memchr(
                                     start, '\n', static_cast<std::size_t>(end - start))));
           start = newline + 1) {
        if (rest.empty()) {
          on_line(start, newline, now);
        } else {
          rest.append(start, newline);
          on_line(rest.data(), rest.data() + rest.size(), now);
          rest.clear();
        }
      }
      rest.append(start, end);
    }
  }
  for (std::size_t i = 1; i < fds.size(); ++i) close(fds[i].fd);
}

}  // namespace lull::bench
