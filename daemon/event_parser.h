// event_parser.h: turns one NDJSON line into a checked event, or a reason to reject it.
// JSON is parsed by simdjson's DOM parser: it validates the whole line (UTF-8, structure,
// depth) at GB/s and reuses its buffers, so a steady stream parses without allocating.
// One parser per reactor thread; the returned views point into the parser and die with
// the next parse() call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace lull::daemon {

// Why a line was not accepted; each is a value of lull_events_rejected_total{reason}.
enum class RejectReason : std::uint8_t {
  kInvalidJson,     // not JSON at all: syntax, bad UTF-8, trailing garbage, nesting too deep
  kNotObject,       // valid JSON, but not an object
  kMissingKey,      // an object without the key field
  kBadKey,          // the key field is not a non-empty string
  kLineTooLong,     // longer than the input's max_line (TCP) or the largest datagram (UDP)
  kFieldNamesFull,  // a new field name, and FieldNames already holds its maximum
  kHeapFull,        // the GC heap stayed above its hard limit after a full collection
  kMaxKeys,         // a new key while state.max_keys keys are held (its rules skipped it)
  kFutureTime,      // its time is further ahead of the arrival than events.max_future
  kUnmappableKey,   // jetstream: the subject's key is not of the partition it was stored in
};
inline constexpr RejectReason kAllRejectReasons[] = {
    RejectReason::kInvalidJson,  RejectReason::kNotObject,   RejectReason::kMissingKey,
    RejectReason::kBadKey,       RejectReason::kLineTooLong, RejectReason::kFieldNamesFull,
    RejectReason::kHeapFull,     RejectReason::kMaxKeys,     RejectReason::kFutureTime,
    RejectReason::kUnmappableKey};

std::string_view to_string(RejectReason reason);

struct ParsedEvent {
  simdjson::dom::object fields;  // every field, unknown ones included
  std::string_view key;
};

class EventParser {
 public:
  explicit EventParser(std::string key_field) : key_field_(std::move(key_field)) {}

  struct Result {
    std::optional<ParsedEvent> event;
    RejectReason reason{};                           // meaningful when !event
    simdjson::error_code error = simdjson::SUCCESS;  // simdjson's detail, for the log
  };
  Result parse(std::string_view line);

 private:
  std::string key_field_;
  simdjson::dom::parser parser_;
  std::vector<char> padded_;  // the line plus SIMDJSON_PADDING bytes simdjson may read past it
};

}  // namespace lull::daemon
