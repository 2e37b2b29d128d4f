// fields.h: the row type of lull's settings table (one row per key: kind, bounds, default from
// the struct, reload behaviour, which items take it) and the generic code that decodes a YAML map
// into a struct and prints one back. Decoding and printing read the same rows, so they cannot
// disagree. Rules: a row's `kind` must match its member's type (checked at compile time by
// rows_consistent); bounds are inclusive except `min_exclusive`.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "config/config.h"
#include "config/internal/yaml_walk.h"
#include "config/units.h"

namespace lull::config::internal {

// kNumber may be optional (unset: not printed); kStringList is a flow list of names
// ("[size, venue]"), each an `item` (a field name unless the row says); kIndexList a flow
// list of whole numbers below a bound ("[0, 1, 5]"); kMatch is a rule's map of field
// conditions (config.h, FieldMatch).
enum class Kind {
  kDuration,
  kSize,
  kCount,
  kNumber,
  kBool,
  kString,
  kAddress,
  kEnum,
  kStringList,
  kIndexList,
  kMatch
};

// What SIGHUP does with a changed value: apply it, or keep the old one until a restart.
enum class Reload { kRestart, kLive };

// An enum member takes the value of its choice's index: choices list the enum in its order.
template <class S>
using Member =
    std::variant<Duration S::*, std::size_t S::*, double S::*, std::optional<double> S::*,
                 bool S::*, std::string S::*, Address S::*, std::vector<std::string> S::*,
                 std::vector<FieldMatch> S::*, std::vector<std::size_t> S::*, GcMode S::*,
                 InputType S::*, Assignment S::*, RuleKind S::*, ActionType S::*, DropPolicy S::*>;

template <class S>
struct Field {
  std::string_view key;
  Kind kind;
  Member<S> member;
  Reload reload = Reload::kRestart;
  std::uint64_t min = 0;  // kDuration (ns), kSize (bytes), kCount, kIndexList: inclusive bounds
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  double min_number = 0;  // kNumber
  double max_number = 0;
  bool min_exclusive = false;                      // kNumber: gc.major_factor > 1
  std::span<const std::string_view> choices = {};  // kEnum, in the enum's order
  std::string_view example = {};         // "expected a size like ..."; the default's text if empty
  std::string_view item = "field name";  // kStringList: what each item is, in messages
  bool required = false;
  bool (*applies)(const S&) = nullptr;   // nullptr: always; else a key only some items take
  std::string_view not_applicable = {};  // the error when it is set where it does not apply
  // Set: the key is required wherever it applies, and this gives the error when it is missing
  // ("required for deviation rules").
  std::string (*missing)(const S&) = nullptr;
};

constexpr std::uint64_t ns(Duration d) {
  return static_cast<std::uint64_t>(d.count());
}

// Whether a member is an enum (set by its choice's index) or a string (set to the choice).
template <class S>
constexpr bool enum_or_string(const Member<S>& member) {
  return std::visit(
      [](auto m) {
        using T = std::remove_reference_t<decltype(std::declval<S&>().*m)>;
        return std::is_enum_v<T> || std::is_same_v<T, std::string>;
      },
      member);
}

template <class S>
constexpr bool rows_consistent(std::span<const Field<S>> fields) {
  for (const Field<S>& f : fields) {
    bool ok = false;
    switch (f.kind) {
      case Kind::kDuration: ok = std::holds_alternative<Duration S::*>(f.member); break;
      case Kind::kSize:
      case Kind::kCount: ok = std::holds_alternative<std::size_t S::*>(f.member); break;
      case Kind::kNumber:
        ok = (std::holds_alternative<double S::*>(f.member) ||
              std::holds_alternative<std::optional<double> S::*>(f.member)) &&
             f.min_number <= f.max_number;
        break;
      case Kind::kBool: ok = std::holds_alternative<bool S::*>(f.member); break;
      case Kind::kString: ok = std::holds_alternative<std::string S::*>(f.member); break;
      case Kind::kAddress: ok = std::holds_alternative<Address S::*>(f.member); break;
      case Kind::kEnum: ok = !f.choices.empty() && enum_or_string(f.member); break;
      case Kind::kStringList:
        ok = std::holds_alternative<std::vector<std::string> S::*>(f.member);
        break;
      case Kind::kIndexList:
        ok = std::holds_alternative<std::vector<std::size_t> S::*>(f.member);
        break;
      case Kind::kMatch: ok = std::holds_alternative<std::vector<FieldMatch> S::*>(f.member); break;
    }
    if (!ok || f.min > f.max || (f.applies == nullptr) != f.not_applicable.empty()) return false;
    if (f.missing != nullptr && (f.applies == nullptr || f.required)) return false;
  }
  return true;
}

// YAML text of a string: plain when nothing could misread it, else double-quoted and escaped.
std::string yaml_scalar(std::string_view text);

// The list-valued settings of rules, in match.cc: a match map ("{type: tick, size: {gt: 0}}")
// and a list of field names ("[size, venue]"), as flow YAML that reads back the same.
std::string format_match(const std::vector<FieldMatch>& match);
std::string format_string_list(const std::vector<std::string>& list);
std::string format_index_list(const std::vector<std::size_t>& list);
bool decode_match(const Entry& entry, DecodeContext& ctx, std::vector<FieldMatch>* out);
// `expected` is the row's expectation(), `item` what each item is ("field name").
bool decode_string_list(const Entry& entry, DecodeContext& ctx, const std::string& expected,
                        std::string_view item, std::vector<std::string>* out);
bool decode_index_list(const Entry& entry, DecodeContext& ctx, std::uint64_t max,
                       std::vector<std::size_t>* out);

// The index of an enum member's value among its choices, or of a string member's value.
template <class S>
std::size_t enum_index(const Field<S>& field, const S& section) {
  return std::visit(
      [&](auto m) -> std::size_t {
        using T = std::remove_reference_t<decltype(section.*m)>;
        if constexpr (std::is_enum_v<T>) {
          return static_cast<std::size_t>(section.*m);
        } else if constexpr (std::is_same_v<T, std::string>) {
          for (std::size_t i = 0; i < field.choices.size(); ++i) {
            if (field.choices[i] == section.*m) return i;
          }
        }
        return field.choices.size();
      },
      field.member);
}

// The value of `field` in `section` as YAML text ("50us", "127.0.0.1:7400", "idle").
template <class S>
std::string format_field(const Field<S>& field, const S& section) {
  switch (field.kind) {
    case Kind::kDuration: return format_duration(section.*std::get<Duration S::*>(field.member));
    case Kind::kSize: return format_size(section.*std::get<std::size_t S::*>(field.member));
    case Kind::kCount: return std::to_string(section.*std::get<std::size_t S::*>(field.member));
    case Kind::kNumber:
      if (auto* m = std::get_if<std::optional<double> S::*>(&field.member)) {
        return (section.**m).has_value() ? format_number(*(section.**m)) : std::string();
      }
      return format_number(section.*std::get<double S::*>(field.member));
    case Kind::kBool: return section.*std::get<bool S::*>(field.member) ? "true" : "false";
    case Kind::kString: return yaml_scalar(section.*std::get<std::string S::*>(field.member));
    case Kind::kAddress:
      return yaml_scalar((section.*std::get<Address S::*>(field.member)).to_string());
    case Kind::kEnum: {
      if (auto* m = std::get_if<std::string S::*>(&field.member)) return yaml_scalar(section.**m);
      const std::size_t index = enum_index(field, section);
      return index < field.choices.size() ? std::string(field.choices[index]) : "?";
    }
    case Kind::kStringList:
      return format_string_list(section.*std::get<std::vector<std::string> S::*>(field.member));
    case Kind::kIndexList:
      return format_index_list(section.*std::get<std::vector<std::size_t> S::*>(field.member));
    case Kind::kMatch:
      return format_match(section.*std::get<std::vector<FieldMatch> S::*>(field.member));
  }
  return {};
}

// Whether printing leaves the key out: an unset optional, an empty string (its default
// applies, as a rule's `key`), or a key its item does not take.
template <class S>
bool omitted(const Field<S>& field, const S& section) {
  if (field.applies != nullptr && !field.applies(section)) return true;
  if (auto* m = std::get_if<std::optional<double> S::*>(&field.member)) {
    return !(section.**m).has_value();
  }
  if (auto* m = std::get_if<std::string S::*>(&field.member)) return (section.**m).empty();
  return false;
}

// "expected a duration like \"50us\"", the start of every message about a bad value.
template <class S>
std::string expectation(const Field<S>& field) {
  std::string example(field.example);
  if (example.empty()) example = format_field(field, S{});
  if (!example.empty() && example.front() != '"') example = "\"" + example + "\"";
  switch (field.kind) {
    case Kind::kDuration: return "expected a duration like " + example;
    case Kind::kSize: return "expected a size like " + example;
    case Kind::kCount: return "expected a whole number like " + example;
    case Kind::kNumber: return "expected a number like " + example;
    case Kind::kBool: return "expected true or false";
    case Kind::kString: return "expected a string like " + example;
    case Kind::kAddress: return "expected an address like " + example;
    case Kind::kEnum: return "expected one of " + join_choices(field.choices, ", ");
    case Kind::kStringList:
      return "expected a list of " + std::string(field.item) + "s like " + example;
    case Kind::kIndexList: return "expected a list of whole numbers like " + example;
    case Kind::kMatch: return "expected a map of field conditions like " + example;
  }
  return {};
}

// Non-template halves of decoding one scalar, in fields.cc. Each reports its own error and
// returns false; on success it stores into `out`.
bool decode_bounded(Kind kind, std::uint64_t min, std::uint64_t max, const std::string& expected,
                    const Entry& entry, DecodeContext& ctx, std::uint64_t* out);
bool decode_number(double min, double max, bool min_exclusive, const std::string& expected,
                   const Entry& entry, DecodeContext& ctx, double* out);
bool decode_enum(std::span<const std::string_view> choices, const std::string& expected,
                 const Entry& entry, DecodeContext& ctx, std::size_t* index);

template <class S>
bool decode_field(const Field<S>& field, const Entry& entry, DecodeContext& ctx, S& out) {
  if (field.kind == Kind::kMatch) {
    return decode_match(entry, ctx, &(out.*std::get<std::vector<FieldMatch> S::*>(field.member)));
  }
  if (field.kind == Kind::kStringList) {
    return decode_string_list(entry, ctx, expectation(field), field.item,
                              &(out.*std::get<std::vector<std::string> S::*>(field.member)));
  }
  if (field.kind == Kind::kIndexList) {
    return decode_index_list(entry, ctx, field.max,
                             &(out.*std::get<std::vector<std::size_t> S::*>(field.member)));
  }
  const std::string expected = expectation(field);
  if (!entry.value.IsScalar()) {
    std::string message = expected + ", got " + describe(entry.value);
    // "listen: [::1]:7400" unquoted is YAML flow syntax, not an address.
    if (field.kind == Kind::kAddress && entry.value.IsSequence()) {
      message += "; quote an IPv6 address: \"[::1]:7400\"";
    }
    ctx.error(entry.value_position, entry.path, std::move(message));
    return false;
  }
  const std::string& text = entry.value.Scalar();
  auto fail = [&](const std::string& why) {
    ctx.error(entry.value_position, entry.path, why.empty() ? expected : expected + "; " + why);
    return false;
  };
  switch (field.kind) {
    case Kind::kDuration:
    case Kind::kSize:
    case Kind::kCount: {
      std::uint64_t value = 0;
      if (!decode_bounded(field.kind, field.min, field.max, expected, entry, ctx, &value)) {
        return false;
      }
      if (field.kind == Kind::kDuration) {
        out.*std::get<Duration S::*>(field.member) = Duration(static_cast<std::int64_t>(value));
      } else {
        out.*std::get<std::size_t S::*>(field.member) = value;
      }
      return true;
    }
    case Kind::kNumber: {
      double value = 0;
      if (!decode_number(field.min_number, field.max_number, field.min_exclusive, expected, entry,
                         ctx, &value)) {
        return false;
      }
      if (auto* m = std::get_if<std::optional<double> S::*>(&field.member)) {
        out.** m = value;
      } else {
        out.*std::get<double S::*>(field.member) = value;
      }
      return true;
    }
    case Kind::kBool: {
      Parsed<bool> parsed = parse_bool(text);
      if (!parsed) return fail(parsed.error);
      out.*std::get<bool S::*>(field.member) = *parsed.value;
      return true;
    }
    case Kind::kString:
      if (text.empty()) return fail("it must not be empty");
      out.*std::get<std::string S::*>(field.member) = text;
      return true;
    case Kind::kAddress: {
      Parsed<Address> parsed = parse_address(text);
      if (!parsed) return fail(parsed.error);
      out.*std::get<Address S::*>(field.member) = *parsed.value;
      return true;
    }
    case Kind::kEnum: {
      std::size_t index = 0;
      if (!decode_enum(field.choices, expected, entry, ctx, &index)) return false;
      std::visit(
          [&](auto m) {
            using T = std::remove_reference_t<decltype(out.*m)>;
            if constexpr (std::is_enum_v<T>) {
              out.*m = static_cast<T>(index);
            } else if constexpr (std::is_same_v<T, std::string>) {
              out.*m = std::string(field.choices[index]);
            }
          },
          field.member);
      return true;
    }
    case Kind::kStringList:
    case Kind::kIndexList:
    case Kind::kMatch: break;  // decoded above
  }
  return false;
}

// Decodes the map `map` (at `path`, a section or list item positioned at `where`) into `out`:
// unknown keys, duplicates, bad values, missing required keys and keys set where they do not
// apply (or missing where they are required) are all reported, missing keys at `where`.
// Returns false if any required key is missing or bad.
template <class S>
bool decode_fields(const YAML::Node& map, const std::string& path, Position where,
                   std::span<const Field<S>> fields, DecodeContext& ctx, S& out) {
  std::vector<std::string_view> known;
  for (const Field<S>& field : fields) known.push_back(field.key);
  const std::vector<Entry> entries = map_entries(map, path, ctx);
  for (const Entry& entry : entries) {
    const Field<S>* field = nullptr;
    for (const Field<S>& f : fields) {
      if (f.key == entry.key) field = &f;
    }
    if (field == nullptr) {
      ctx.error(entry.key_position, entry.path, unknown_key_message(entry.key, known, path));
    } else if (!decode_field(*field, entry, ctx, out)) {
      ctx.mark_failed(entry.path);
    }
  }
  bool required_ok = true;
  for (const Field<S>& field : fields) {
    if (!field.required) continue;
    const std::string field_path = join_path(path, field.key);
    if (!ctx.where_set(field_path)) {
      std::string message = "required key is missing";
      if (field.kind == Kind::kEnum) message += "; " + expectation(field);
      ctx.error(where, field_path, std::move(message));
      required_ok = false;
    } else if (ctx.failed(field_path)) {
      required_ok = false;
    }
  }
  // Whether a key applies depends on a required one (an input's type): unknown without it.
  if (!required_ok) return false;
  for (const Entry& entry : entries) {
    for (const Field<S>& field : fields) {
      if (field.key == entry.key && field.applies != nullptr && !field.applies(out)) {
        ctx.error(entry.key_position, entry.path, std::string(field.not_applicable));
      }
    }
  }
  for (const Field<S>& field : fields) {
    if (field.missing == nullptr || !field.applies(out)) continue;
    const std::string field_path = join_path(path, field.key);
    if (!ctx.where_set(field_path)) {
      ctx.error(where, field_path, field.missing(out));
      required_ok = false;
    } else if (ctx.failed(field_path)) {
      required_ok = false;
    }
  }
  return required_ok;
}

// Appends `key: value` lines for every field not omitted(); the first line starts with
// `first_prefix` ("  - " for a list item), the others with `prefix`.
template <class S>
void emit_fields(const S& section, std::span<const Field<S>> fields, std::string_view first_prefix,
                 std::string_view prefix, std::string& out) {
  bool first = true;
  for (const Field<S>& field : fields) {
    if (omitted(field, section)) continue;
    out += first ? first_prefix : prefix;
    out += std::string(field.key) + ": " + format_field(field, section) + "\n";
    first = false;
  }
}

}  // namespace lull::config::internal
