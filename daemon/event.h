// event.h: an event as it lives on the GC heap: one leaf object, fields and text inline.
//
//   Event { time, 6 fields, key 6 bytes }
//   [seq:uint][ts:int][key:str @0+6][type:str @6+4][price:dbl][size:int]   FieldValue x 6
//   "m00042tick"                                                           text: key first
//
// Every field of the line is kept, unknown ones included; nested objects and arrays are kept
// as their minified JSON text (kind kJson) and ignored by rules. One object with no references
// is what the collector handles cheapest: it is allocated and promoted in one piece, and
// marking an event held in a window touches one header and traces nothing. Events are
// immutable once built (EventBuilder). `time_ns` is the event's time: its time field when
// present and an integer, else the arrival's wall-clock time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "daemon/field_names.h"
#include "gc/garbage_collected.h"

namespace lull::gc {
class Heap;
}

namespace lull::daemon {

enum class FieldKind : std::uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kJson };

// Where a kString or kJson field's bytes lie in its event's text.
struct TextSpan {
  std::uint32_t offset;
  std::uint32_t size;
};

// One field. Trivially copyable: an event's fields are a plain run of them.
struct FieldValue {
  FieldId name;
  FieldKind kind;
  union {
    bool boolean;
    std::int64_t integer;
    std::uint64_t unsigned_integer;
    double number;
    TextSpan text;  // kString, kJson
  };
};
static_assert(sizeof(FieldValue) == 16);

class Event : public gc::GarbageCollected<Event> {
 public:
  // The bytes an event with these counts needs after the object itself.
  static std::size_t trailing_bytes(std::size_t field_count, std::size_t text_bytes) {
    return field_count * sizeof(FieldValue) + text_bytes;
  }
  std::int64_t time_ns() const { return time_ns_; }
  std::string_view key_view() const { return {text_data(), key_size_}; }
  std::span<const FieldValue> fields() const { return {field_data(), field_count_}; }
  // The bytes of a kString or kJson field.
  std::string_view text(const FieldValue& field) const {
    return {text_data() + field.text.offset, field.text.size};
  }

  const FieldValue* find(FieldId name) const;
  // A numeric field (int, uint or double) as a double; nullopt if absent or not a number.
  std::optional<double> number(FieldId name) const;
  // A string field; nullopt if absent or not a string.
  std::optional<std::string_view> string(FieldId name) const;
  // The field's value as JSON text appended to `out` (numbers, strings quoted and escaped).
  bool append_json(FieldId name, std::string& out) const;

 private:
  friend class gc::Heap;      // make_with_trailing<Event>(trailing_bytes(...), ...)
  friend class EventBuilder;  // fills the fields and the text, once
  Event(std::int64_t time_ns, std::uint32_t field_count, std::uint32_t key_size)
      : time_ns_(time_ns), field_count_(field_count), key_size_(key_size) {}
  const FieldValue* field_data() const { return reinterpret_cast<const FieldValue*>(this + 1); }
  FieldValue* field_data() { return reinterpret_cast<FieldValue*>(this + 1); }
  const char* text_data() const {
    return reinterpret_cast<const char*>(field_data() + field_count_);
  }
  char* text_data() { return reinterpret_cast<char*>(field_data() + field_count_); }

  std::int64_t time_ns_;
  std::uint32_t field_count_;
  std::uint32_t key_size_;  // the key's bytes open the text
};
static_assert(sizeof(Event) % alignof(FieldValue) == 0);

// Appends `value` as a JSON number, in the shortest form that reads back exactly.
void append_number(double value, std::string& out);

}  // namespace lull::daemon
