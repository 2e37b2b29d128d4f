// ingest.cc: the per-line path. Rejections are logged through a rate limiter with a
// sample of the line, so a flood of garbage costs a counter add, not a log write.
#include "daemon/ingest.h"

#include <spdlog/spdlog.h>

#include "gc/errors.h"
#include "gc/handles.h"

namespace lull::daemon {
namespace {

constexpr std::size_t kLoggedSample = 120;  // bytes of a rejected line shown in the log

std::string printable_sample(std::string_view text) {
  std::string sample;
  for (char c : text.substr(0, kLoggedSample)) {
    sample.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (text.size() > kLoggedSample) sample += "...";
  return sample;
}

}  // namespace

Ingest::Ingest(const config::EventsConfig& events, gc::Heap& heap, FieldNames& names,
               Monitor* monitor, DaemonMetrics& metrics)
    : parser_(events.key_field),
      builder_(heap, names, intern_or_throw(names, events.time_field)),
      heap_(heap),
      max_future_ns_(events.max_future.count()),
      monitor_(monitor),
      metrics_(metrics) {}

void Ingest::line(std::string_view text, const runtime::Arrival& arrival,
                  DaemonMetrics::Input& counters, std::string_view input) {
  if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
  auto result = parser_.parse(text);
  if (!result.event) {
    const char* detail = result.error ? simdjson::error_message(result.error) : "empty key";
    reject(result.reason, input, std::string(detail) + ": " + printable_sample(text));
    return;
  }
  try {
    gc::Local<Event> event(heap_, builder_.build(*result.event, arrival.realtime_ns));
    if (!event) {
      reject(RejectReason::kFieldNamesFull, input,
             "more than " + std::to_string(FieldNames::kMaxNames) + " distinct field names");
      return;
    }
    if (max_future_ns_ > 0 && event->time_ns() - arrival.realtime_ns > max_future_ns_) {
      reject(RejectReason::kFutureTime, input,
             std::to_string((event->time_ns() - arrival.realtime_ns) / 1'000'000) +
                 " ms ahead of the clock: " + printable_sample(text));
      return;
    }
    if (monitor_ != nullptr && monitor_->on_event(event, arrival) == Monitor::Outcome::kKeyLimit) {
      reject(RejectReason::kMaxKeys, input,
             "a new key with state.max_keys keys held: " + printable_sample(text));
      return;
    }
  } catch (const gc::HeapLimitError& error) {
    reject(RejectReason::kHeapFull, input,
           "heap above its hard limit of " + std::to_string(error.limit_bytes()) +
               " bytes after a full collection");
    return;
  }
  counters.events.Increment();
}

void Ingest::reject(RejectReason reason, std::string_view input, std::string_view detail) {
  metrics_.rejected(reason).Increment();
  if (auto permit = reject_log_.acquire(); permit.allowed) {
    if (permit.suppressed_before > 0) {
      spdlog::warn("{} more rejected lines were not logged", permit.suppressed_before);
    }
    spdlog::warn("input {}: rejected line ({}): {}", input, to_string(reason), detail);
  }
}

}  // namespace lull::daemon
