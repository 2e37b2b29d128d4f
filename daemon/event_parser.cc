// event_parser.cc: JSON validation and key extraction for one line.
#include "daemon/event_parser.h"

#include <cstring>

namespace lull::daemon {

std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::kInvalidJson: return "invalid_json";
    case RejectReason::kNotObject: return "not_object";
    case RejectReason::kMissingKey: return "missing_key";
    case RejectReason::kBadKey: return "bad_key";
    case RejectReason::kLineTooLong: return "line_too_long";
    case RejectReason::kFieldNamesFull: return "field_names_full";
    case RejectReason::kHeapFull: return "heap_full";
    case RejectReason::kMaxKeys: return "max_keys";
    case RejectReason::kFutureTime: return "future_time";
    case RejectReason::kUnmappableKey: return "unmappable_key";
  }
  return "unknown";
}

EventParser::Result EventParser::parse(std::string_view line) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; a reused buffer gives it
  // that room without an allocation per line (parse(..., true) would copy every time).
  if (padded_.size() < line.size() + simdjson::SIMDJSON_PADDING) {
    padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(padded_.data(), line.data(), line.size());

  Result result;
  simdjson::dom::element root;
  if (auto error = parser_.parse(padded_.data(), line.size(), false).get(root)) {
    result.reason = RejectReason::kInvalidJson;
    result.error = error;
    return result;
  }
  simdjson::dom::object object;
  if (auto error = root.get_object().get(object)) {
    result.reason = RejectReason::kNotObject;
    result.error = error;
    return result;
  }
  simdjson::dom::element key;
  if (auto error = object.at_key(key_field_).get(key)) {
    result.reason = RejectReason::kMissingKey;
    result.error = error;
    return result;
  }
  std::string_view key_text;
  if (auto error = key.get_string().get(key_text); error || key_text.empty()) {
    result.reason = RejectReason::kBadKey;
    result.error = error;
    return result;
  }
  result.event = ParsedEvent{object, key_text};
  return result;
}

}  // namespace lull::daemon
