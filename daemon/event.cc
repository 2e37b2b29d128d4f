// event.cc: field look-ups (a linear scan: events have a handful of fields) and JSON output.
#include "daemon/event.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace lull::daemon {

const FieldValue* Event::find(FieldId name) const {
  for (const FieldValue& field : fields()) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::optional<double> Event::number(FieldId name) const {
  const FieldValue* field = find(name);
  if (field == nullptr) return std::nullopt;
  switch (field->kind) {
    case FieldKind::kInt: return static_cast<double>(field->integer);
    case FieldKind::kUint: return static_cast<double>(field->unsigned_integer);
    case FieldKind::kDouble: return field->number;
    default: return std::nullopt;
  }
}

std::optional<std::string_view> Event::string(FieldId name) const {
  const FieldValue* field = find(name);
  if (field == nullptr || field->kind != FieldKind::kString) return std::nullopt;
  return text(*field);
}

namespace {

void append_quoted(std::string_view text, std::string& out) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void append_number(double value, std::string& out) {
  // Shortest text that reads back as the same double: 111.4 stays 111.4. JSON has no NaN or
  // infinity; simdjson never produces them, and computed values print as null.
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  // The shortest text of a large whole double is a plain integer ("444444444444444459008"), which
  // JSON readers with integer types, simdjson (lull's own) included, refuse beyond 64 bits.
  // From 2^63 on, an exponent keeps it a double: "4.4444444444444446e+20" (found by tests/fuzz).
  auto result = std::fabs(value) < 0x1p63 ? std::to_chars(buffer, buffer + sizeof buffer, value)
                                          : std::to_chars(buffer, buffer + sizeof buffer, value,
                                                          std::chars_format::scientific);
  out.append(buffer, result.ptr);
}

bool Event::append_json(FieldId name, std::string& out) const {
  const FieldValue* field = find(name);
  if (field == nullptr) return false;
  char buffer[32];
  switch (field->kind) {
    case FieldKind::kNull: out += "null"; break;
    case FieldKind::kBool: out += field->boolean ? "true" : "false"; break;
    case FieldKind::kInt:
      out.append(buffer, std::snprintf(buffer, sizeof buffer, "%lld",
                                       static_cast<long long>(field->integer)));
      break;
    case FieldKind::kUint:
      out.append(buffer, std::snprintf(buffer, sizeof buffer, "%llu",
                                       static_cast<unsigned long long>(field->unsigned_integer)));
      break;
    case FieldKind::kDouble: append_number(field->number, out); break;
    case FieldKind::kString: append_quoted(text(*field), out); break;
    case FieldKind::kJson: out += text(*field); break;
  }
  return true;
}

}  // namespace lull::daemon
