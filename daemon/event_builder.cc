// event_builder.cc: two passes over the object: names, kinds and text sizes first (so the
// event is allocated once, at its final size), then the values and their bytes.
#include "daemon/event_builder.h"

#include <cstring>
#include <new>

namespace lull::daemon {

Event* EventBuilder::build(const ParsedEvent& parsed, std::int64_t arrival_realtime_ns) {
  using simdjson::dom::element_type;
  // The key field's bytes open the text and are stored once. They are the same bytes in the
  // parser's buffer as parsed.key, which is how the key field is recognised.
  auto is_key = [&](simdjson::dom::element value) {
    return value.type() == element_type::STRING &&
           value.get_string().value_unsafe().data() == parsed.key.data();
  };
  std::size_t field_count = 0, text_bytes = parsed.key.size();
  std::int64_t time_ns = arrival_realtime_ns;
  scratch_.clear();  // the minified JSON of every nested value, in field order
  nested_sizes_.clear();
  for (auto [name, value] : parsed.fields) {
    if (!names_.intern(name)) return nullptr;
    ++field_count;
    switch (value.type()) {
      case element_type::STRING:
        if (!is_key(value)) text_bytes += value.get_string().value_unsafe().size();
        break;
      case element_type::ARRAY:
      case element_type::OBJECT: {
        const std::size_t before = scratch_.size();
        scratch_ += simdjson::minify(value);
        nested_sizes_.push_back(scratch_.size() - before);
        text_bytes += nested_sizes_.back();
        break;
      }
      case element_type::INT64:
        if (names_.find(name) == time_field_) time_ns = value.get_int64().value_unsafe();
        break;
      default: break;
    }
  }

  // The one allocation, so the one GC point: nothing below can move the event.
  Event* event = heap_.make_with_trailing<Event>(Event::trailing_bytes(field_count, text_bytes),
                                                 time_ns, static_cast<std::uint32_t>(field_count),
                                                 static_cast<std::uint32_t>(parsed.key.size()));
  char* const text = event->text_data();
  std::memcpy(text, parsed.key.data(), parsed.key.size());
  std::uint32_t text_used = static_cast<std::uint32_t>(parsed.key.size());
  std::size_t scratch_used = 0, nested = 0;

  FieldValue* field = event->field_data();
  for (auto [name, value] : parsed.fields) {
    ::new (static_cast<void*>(field)) FieldValue{};
    field->name = *names_.find(name);
    auto store_text = [&](std::string_view bytes, FieldKind kind) {
      field->kind = kind;
      field->text = {text_used, static_cast<std::uint32_t>(bytes.size())};
      if (!bytes.empty()) std::memcpy(text + text_used, bytes.data(), bytes.size());
      text_used += static_cast<std::uint32_t>(bytes.size());
    };
    switch (value.type()) {
      case element_type::NULL_VALUE: field->kind = FieldKind::kNull; break;
      case element_type::BOOL:
        field->kind = FieldKind::kBool;
        field->boolean = value.get_bool().value_unsafe();
        break;
      case element_type::INT64:
        field->kind = FieldKind::kInt;
        field->integer = value.get_int64().value_unsafe();
        break;
      case element_type::UINT64:
        field->kind = FieldKind::kUint;
        field->unsigned_integer = value.get_uint64().value_unsafe();
        break;
      case element_type::DOUBLE:
        field->kind = FieldKind::kDouble;
        field->number = value.get_double().value_unsafe();
        break;
      case element_type::STRING:
        if (is_key(value)) {
          field->kind = FieldKind::kString;
          field->text = {0, static_cast<std::uint32_t>(parsed.key.size())};
        } else {
          store_text(value.get_string().value_unsafe(), FieldKind::kString);
        }
        break;
      case element_type::ARRAY:
      case element_type::OBJECT: {
        const std::size_t size = nested_sizes_[nested++];
        store_text(std::string_view(scratch_).substr(scratch_used, size), FieldKind::kJson);
        scratch_used += size;
        break;
      }
    }
    ++field;
  }
  return event;
}

}  // namespace lull::daemon
