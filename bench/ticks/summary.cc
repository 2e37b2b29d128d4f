// summary.cc: see summary.h.
#include "bench/ticks/summary.h"

#include <cstdio>
#include <string>
#include <vector>

#include "bench/ticks/price_jump_model.h"

namespace lull::bench {
namespace {

constexpr int kListed = 10;  // seqs listed per kind of mismatch

void list(const char* what, const std::vector<std::uint64_t>& seqs, std::uint64_t count) {
  if (count == 0) return;
  std::fprintf(stderr, "lull-ticks: %llu %s actions, seq", static_cast<unsigned long long>(count),
               what);
  for (auto seq : seqs) std::fprintf(stderr, " %llu", static_cast<unsigned long long>(seq));
  std::fprintf(stderr, "%s\n", count > seqs.size() ? " ..." : "");
}

}  // namespace

Correctness check_actions(const SharedRun& run, const SinkResult& sink) {
  Correctness result;
  std::vector<std::uint64_t> missing, extra;
  const std::uint64_t sent = run.sender.sent.load(std::memory_order_acquire);
  for (std::uint64_t seq = 1; seq <= run.total; ++seq) {
    const auto verdict = static_cast<Verdict>(run.verdicts[seq].load(std::memory_order_acquire));
    const unsigned received = sink.received[seq];
    result.received += received;
    if (seq > sent) {  // never sent: the sender stopped early
      if (received && extra.size() < kListed) extra.push_back(seq);
      result.extra += received > 0;
      continue;
    }
    result.expected += verdict == Verdict::kFire;
    result.borderline += verdict == Verdict::kBorderline;
    if (received > 1) ++result.duplicate;
    if (verdict == Verdict::kFire && received == 0) {
      if (missing.size() < kListed) missing.push_back(seq);
      ++result.missing;
    } else if (verdict == Verdict::kNoFire && received > 0) {
      if (extra.size() < kListed) extra.push_back(seq);
      ++result.extra;
    }
  }
  list("missing", missing, result.missing);
  list("extra", extra, result.extra);
  return result;
}

void write_summary(const TicksOptions& options, const SharedRun& run, const SinkResult& sink,
                   const Correctness& c, const DaemonPeaks& peaks, double send_seconds) {
  const std::uint64_t sent = run.sender.sent.load();
  const LatencyHistogram& h = sink.scored;
  auto us = [](std::uint64_t ns) { return static_cast<double>(ns) * 1e-3; };
  std::string text;
  char line[256];
  auto add = [&](const char* key, double value, const char* format = "%.0f") {
    int n = std::snprintf(line, sizeof line, "%s=", key);
    n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), format, value);
    text.append(line, static_cast<std::size_t>(n)).push_back('\n');
  };
  add("rate_target", options.rate);
  add("events_sent", static_cast<double>(sent));
  add("events_per_s", static_cast<double>(sent) / send_seconds, "%.1f");
  add("send_lag_p99_us", us(run.send_lag.percentile(0.99)), "%.1f");
  add("send_lag_max_us", us(run.send_lag.max()), "%.1f");
  add("actions_expected", static_cast<double>(c.expected));
  add("actions_received", static_cast<double>(c.received));
  add("missing", static_cast<double>(c.missing));
  add("extra", static_cast<double>(c.extra));
  add("duplicate", static_cast<double>(c.duplicate));
  add("borderline", static_cast<double>(c.borderline));
  add("unknown_seq", static_cast<double>(sink.unknown_seq));
  add("ts_mismatch", static_cast<double>(sink.ts_mismatch));
  add("sink_connections", static_cast<double>(sink.connections));
  add("scored_actions", static_cast<double>(h.count()));
  add("latency_p50_us", us(h.percentile(0.50)), "%.1f");
  add("latency_p99_us", us(h.percentile(0.99)), "%.1f");
  add("latency_p999_us", us(h.percentile(0.999)), "%.1f");
  add("latency_p9999_us", us(h.percentile(0.9999)), "%.1f");
  add("latency_max_us", us(h.max()), "%.1f");
  add("warmup_latency_max_us", us(sink.warmup.max()), "%.1f");
  for (int kind = 0; kind < 4; ++kind) {
    add((std::string("gc_") + kGcKinds[kind] + "_max_us").c_str(), peaks.gc_step_max_s[kind] * 1e6,
        "%.1f");
  }
  add("rss_peak_bytes", peaks.rss);
  add("heap_peak_bytes", peaks.heap_total);
  add("heap_committed_peak_bytes", peaks.heap_committed);
  add("heap_live_peak_bytes", peaks.heap_live);
  add("gc_region_overflows", peaks.region_overflows);
  add("gc_forced", peaks.gc_forced);
  add("lulld_rejected", peaks.rejected);
  add("lulld_actions_dropped", peaks.dropped);
  add("scrapes_failed", peaks.failed_scrapes);
  add("lulld_runqueue_wait_ms", peaks.lulld_wait_ms, "%.1f");
  add("lulld_runqueue_wait_max_ms_per_s", peaks.lulld_wait_max_ms, "%.1f");
  if (options.nats) {  // the NATS output: acks, resends, and the longest wait for an ack
    add("nats_acked", static_cast<double>(run.sender.acked.load()));
    add("nats_duplicates", static_cast<double>(run.sender.duplicates.load()));
    add("nats_retries", static_cast<double>(run.sender.retries.load()));
    add("nats_publish_failed", static_cast<double>(run.sender.publish_failed.load()));
    add("nats_ack_p50_us", us(run.nats_ack.percentile(0.50)), "%.1f");
    add("nats_ack_p99_us", us(run.nats_ack.percentile(0.99)), "%.1f");
    add("nats_stall_max_ms", static_cast<double>(run.sender.stall_run_max_ns.load()) * 1e-6,
        "%.3f");
  }
  if (!options.actions_stream.empty()) {
    add("actions_without_msg_id", static_cast<double>(sink.without_msg_id));
    add("actions_read_errors", static_cast<double>(sink.read_errors));
  }
  std::fputs(text.c_str(), stdout);
  if (!options.summary_path.empty()) {
    if (std::FILE* file = std::fopen(options.summary_path.c_str(), "w")) {
      std::fputs(text.c_str(), file);
      std::fclose(file);
    }
  }
  if (!options.percentiles_path.empty()) {
    if (std::FILE* file = std::fopen(options.percentiles_path.c_str(), "w")) {
      // HdrHistogram's percentile table: the x axis of a percentile plot is 1 / (1 - p).
      std::fprintf(file, "latency_us percentile count 1/(1-percentile)\n");
      std::uint64_t seen = 0;
      for (const auto& [edge, count] : h.buckets()) {
        seen += count;
        const double p = static_cast<double>(seen) / static_cast<double>(h.count());
        if (p >= 1.0) break;
        std::fprintf(file, "%.2f %.9f %llu %.2f\n", us(edge), p,
                     static_cast<unsigned long long>(seen), 1.0 / (1.0 - p));
      }
      std::fclose(file);
    }
  }
}

}  // namespace lull::bench
