// event.h: an event as it lives on the GC heap, fields and strings included.
//
//   Event ──key──────> String            "m00042"
//         ──fields───> Array<FieldValue>  [seq:uint, ts:int, key:str#0, type:str#1, price:dbl, ...]
//         ──strings──> Array<Member<String>> [#0 "m00042", #1 "tick"]   (null if none)
//
// Every field of the line is kept, unknown ones included; nested objects and arrays are kept
// as their minified JSON text (kind kJson) and ignored by rules. Events are immutable once
// built. `time_ns` is the event's time: its time field when present and an integer, else
// the arrival's wall-clock time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/field_names.h"
#include "gc/array.h"
#include "gc/garbage_collected.h"
#include "gc/member.h"
#include "gc/string.h"
#include "gc/visitor.h"

namespace lull::daemon {

enum class FieldKind : std::uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kJson };

// One field. Trivially copyable, so an event's fields are one plain gc::Array.
struct FieldValue {
  FieldId name;
  FieldKind kind;
  union {
    bool boolean;
    std::int64_t integer;
    std::uint64_t unsigned_integer;
    double number;
    std::uint64_t string_index;  // kString, kJson: index into Event::strings
  };
};
static_assert(sizeof(FieldValue) == 16);

class Event : public gc::GarbageCollected<Event> {
 public:
  explicit Event(std::int64_t time_ns) : time_ns_(time_ns) {}

  void trace(gc::Visitor& visitor) const {
    visitor.trace(key);
    visitor.trace(fields);
    visitor.trace(strings);
  }

  std::int64_t time_ns() const { return time_ns_; }
  std::string_view key_view() const { return key->view(); }

  const FieldValue* find(FieldId name) const;
  // A numeric field (int, uint or double) as a double; nullopt if absent or not a number.
  std::optional<double> number(FieldId name) const;
  // A string field; nullopt if absent or not a string.
  std::optional<std::string_view> string(FieldId name) const;
  // The field's value as JSON text appended to `out` (numbers, strings quoted and escaped).
  bool append_json(FieldId name, std::string& out) const;

  gc::Member<gc::String> key;
  gc::Member<gc::Array<FieldValue>> fields;
  gc::Member<gc::Array<gc::Member<gc::String>>> strings;

 private:
  std::int64_t time_ns_;
};

// Appends `value` as a JSON number, in the shortest form that reads back exactly.
void append_number(double value, std::string& out);

}  // namespace lull::daemon
