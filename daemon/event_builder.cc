// event_builder.cc: two passes over the object: name ids and kinds first (so the arrays are
// allocated once at their final size), then the values.
#include "daemon/event_builder.h"

#include "gc/handles.h"

namespace lull::daemon {

Event* EventBuilder::build(const ParsedEvent& parsed, std::int64_t arrival_realtime_ns) {
  using simdjson::dom::element_type;
  // The key field's string is stored once, as strings[0], shared with Event::key. It is the
  // same bytes in the parser's buffer as parsed.key, which is how it is recognised.
  auto is_key = [&](simdjson::dom::element value) {
    return value.type() == element_type::STRING &&
           value.get_string().value_unsafe().data() == parsed.key.data();
  };
  std::size_t field_count = 0, string_count = 1;
  std::int64_t time_ns = arrival_realtime_ns;
  for (auto [name, value] : parsed.fields) {
    if (!names_.intern(name)) return nullptr;
    ++field_count;
    auto type = value.type();
    if ((type == element_type::STRING && !is_key(value)) || type == element_type::ARRAY ||
        type == element_type::OBJECT) {
      ++string_count;
    }
    if (type == element_type::INT64 && names_.find(name) == time_field_) {
      time_ns = value.get_int64().value_unsafe();
    }
  }

  gc::Local<Event> event(heap_, heap_.make<Event>(time_ns));
  gc::Local<gc::String> key(heap_, heap_.make_string(parsed.key));
  event->key = key.get();
  gc::Local<gc::Array<FieldValue>> fields(heap_, heap_.make_array<FieldValue>(field_count));
  event->fields = fields.get();
  gc::Local<gc::Array<gc::Member<gc::String>>> strings(
      heap_, heap_.make_array<gc::Member<gc::String>>(string_count));
  event->strings = strings.get();
  (*strings)[0] = key.get();

  std::size_t field_index = 0, string_index = 1;
  // Named members, not a structured binding: clang 14 (the fuzz build) cannot capture a
  // binding in the lambda below.
  for (const simdjson::dom::key_value_pair member : parsed.fields) {
    const std::string_view name = member.key;
    const simdjson::dom::element value = member.value;
    FieldValue field{};
    field.name = *names_.find(name);
    auto store_string = [&](std::string_view text, FieldKind kind) {
      field.kind = kind;
      if (is_key(value)) {
        field.string_index = 0;
        return;
      }
      field.string_index = string_index;
      (*strings)[string_index++] = heap_.make_string(text);  // rhs first: a GC point
    };
    switch (value.type()) {
      case element_type::NULL_VALUE: field.kind = FieldKind::kNull; break;
      case element_type::BOOL:
        field.kind = FieldKind::kBool;
        field.boolean = value.get_bool().value_unsafe();
        break;
      case element_type::INT64:
        field.kind = FieldKind::kInt;
        field.integer = value.get_int64().value_unsafe();
        break;
      case element_type::UINT64:
        field.kind = FieldKind::kUint;
        field.unsigned_integer = value.get_uint64().value_unsafe();
        break;
      case element_type::DOUBLE:
        field.kind = FieldKind::kDouble;
        field.number = value.get_double().value_unsafe();
        break;
      case element_type::STRING:
        store_string(value.get_string().value_unsafe(), FieldKind::kString);
        break;
      case element_type::ARRAY:
      case element_type::OBJECT:
        scratch_ = simdjson::minify(value);
        store_string(scratch_, FieldKind::kJson);
        break;
    }
    (*fields)[field_index++] = field;
  }
  return event.get();
}

}  // namespace lull::daemon
