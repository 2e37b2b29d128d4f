// fields.cc: the non-template halves of decoding one setting: bounded integers (durations, sizes,
// counts), numbers and enums with their range and choice messages, and YAML scalar quoting.
#include "config/internal/fields.h"

namespace lull::config::internal {
namespace {

std::string format_bound(Kind kind, std::uint64_t value) {
  switch (kind) {
    case Kind::kDuration: return format_duration(Duration(static_cast<std::int64_t>(value)));
    case Kind::kSize: return format_size(value);
    default: return std::to_string(value);
  }
}

bool is_reserved_word(std::string_view text) {
  // Words YAML 1.1 readers (PyYAML, yq) turn into booleans or null.
  std::string l(text);
  for (char& c : l) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (std::string_view word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}) {
    if (l == word) return true;
  }
  return false;
}

}  // namespace

std::string yaml_scalar(std::string_view text) {
  bool plain = !text.empty() && !is_reserved_word(text) && text.front() != '-' &&
               text.front() != ':' && text.back() != ':';
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-' || c == ':' || c == '/';
    plain = plain && ok;
  }
  if (plain) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool decode_bounded(Kind kind, std::uint64_t min, std::uint64_t max, const std::string& expected,
                    const Entry& entry, DecodeContext& ctx, std::uint64_t* out) {
  const std::string& text = entry.value.Scalar();
  std::uint64_t value = 0;
  std::string why;
  bool ok = false;
  if (kind == Kind::kDuration) {
    Parsed<Duration> parsed = parse_duration(text);
    ok = parsed.value.has_value();
    if (ok) value = ns(*parsed.value);
    why = std::move(parsed.error);
  } else {
    Parsed<std::uint64_t> parsed = kind == Kind::kSize ? parse_size(text) : parse_count(text);
    ok = parsed.value.has_value();
    if (ok) value = *parsed.value;
    why = std::move(parsed.error);
  }
  if (!ok) {
    ctx.error(entry.value_position, entry.path, why.empty() ? expected : expected + "; " + why);
    return false;
  }
  if (value < min || value > max) {
    std::string range;
    if (min == 0) {
      range = "must be at most " + format_bound(kind, max);
    } else if (max == std::numeric_limits<std::uint64_t>::max()) {
      range = "must be at least " + format_bound(kind, min);
    } else {
      range = "must be from " + format_bound(kind, min) + " to " + format_bound(kind, max);
    }
    ctx.error(entry.value_position, entry.path, range + ", got " + text);
    return false;
  }
  *out = value;
  return true;
}

bool decode_number(double min, double max, bool min_exclusive, const std::string& expected,
                   const Entry& entry, DecodeContext& ctx, double* out) {
  const std::string& text = entry.value.Scalar();
  Parsed<double> parsed = parse_number(text);
  if (!parsed) {
    ctx.error(entry.value_position, entry.path,
              parsed.error.empty() ? expected : expected + "; " + parsed.error);
    return false;
  }
  const double value = *parsed.value;
  if (value < min || (min_exclusive && value == min) || value > max) {
    const std::string range =
        min_exclusive ? "must be above " + format_number(min) + " and at most " + format_number(max)
                      : "must be from " + format_number(min) + " to " + format_number(max);
    ctx.error(entry.value_position, entry.path, range + ", got " + text);
    return false;
  }
  *out = value;
  return true;
}

bool decode_enum(std::span<const std::string_view> choices, const std::string& expected,
                 const Entry& entry, DecodeContext& ctx, std::size_t* index) {
  const std::string& text = entry.value.Scalar();
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == text) {
      *index = i;
      return true;
    }
  }
  std::string message = expected + ", got " + describe(entry.value);
  if (auto suggestion = closest(text, choices)) {
    message += "; did you mean '" + std::string(*suggestion) + "'?";
  }
  ctx.error(entry.value_position, entry.path, std::move(message));
  return false;
}

}  // namespace lull::config::internal
