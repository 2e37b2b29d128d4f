// match.cc: the list-valued settings of rules: a `match` map of field conditions (a value, a
// list of values, or numeric comparisons) and a list of field names (`copy`), decoded with an
// error per bad item, and printed as flow YAML that reads back the same.
#include <utility>

#include "config/internal/fields.h"

namespace lull::config::internal {
namespace {

using Op = FieldMatch::Op;

struct Comparison {
  std::string_view key;
  Op op;
};
constexpr Comparison kComparisons[] = {{"eq", Op::kEq}, {"ne", Op::kNe}, {"lt", Op::kLt},
                                       {"le", Op::kLe}, {"gt", Op::kGt}, {"ge", Op::kGe}};
constexpr std::string_view kComparisonKeys[] = {"eq", "ne", "lt", "le", "gt", "ge"};

// Spellings of other query languages that mean one of ours.
std::optional<std::string_view> comparison_alias(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"==", "eq"}, {"=", "eq"},   {"equals", "eq"}, {"!=", "ne"}, {"neq", "ne"}, {"<", "lt"},
      {"<=", "le"}, {"lte", "le"}, {">", "gt"},      {">=", "ge"}, {"gte", "ge"}};
  for (const auto& [alias, ours] : kAliases) {
    if (key == alias) return ours;
  }
  return closest(key, kComparisonKeys);
}

std::string quote_plain(const std::string& plain) {
  std::string out;
  out.reserve(plain.size() + 2);
  out += '"';
  out += plain;
  out += '"';
  return out;
}

// yaml_scalar() for flow context ("{a: b}", "[a, b]"), where a ':' may end a key: quoted then.
std::string flow_scalar(std::string_view text) {
  std::string out = yaml_scalar(text);
  if (out.front() != '"' && out.find(':') != std::string::npos) return quote_plain(out);
  return out;
}

std::string_view comparison_key(Op op) {
  for (const Comparison& c : kComparisons) {
    if (c.op == op) return c.key;
  }
  return "eq";
}

Position item_position(const YAML::Node& item, const Entry& list) {
  return item.IsNull() ? list.value_position : position_of(item);
}

bool decode_comparisons(const Entry& condition, DecodeContext& ctx, std::vector<FieldMatch>& out) {
  const std::vector<Entry> entries = map_entries(condition.value, condition.path, ctx);
  if (entries.empty()) {
    ctx.error(condition.value_position, condition.path,
              "expected at least one comparison: eq, ne, lt, le, gt or ge");
    return false;
  }
  bool ok = true;
  for (const Entry& entry : entries) {
    const Comparison* comparison = nullptr;
    for (const Comparison& c : kComparisons) {
      if (c.key == entry.key) comparison = &c;
    }
    if (comparison == nullptr) {
      std::string message = "unknown comparison; ";
      if (auto ours = comparison_alias(entry.key)) {
        message += "did you mean '" + std::string(*ours) + "'?";
      } else {
        message += "use eq, ne, lt, le, gt or ge";
      }
      ctx.error(entry.key_position, entry.path, std::move(message));
      ok = false;
      continue;
    }
    Parsed<double> number;
    if (entry.value.IsScalar()) number = parse_number(entry.value.Scalar());
    if (!number) {
      std::string message = "expected a number, got " + describe(entry.value);
      if (entry.value.IsScalar()) {
        message += "; comparisons are numeric (write \"" + condition.key + ": " +
                   entry.value.Scalar() + "\" to match a text)";
      }
      ctx.error(entry.value_position, entry.path, std::move(message));
      ok = false;
      continue;
    }
    FieldMatch match;
    match.field = condition.key;
    match.op = comparison->op;
    match.number = *number.value;
    out.push_back(std::move(match));
  }
  return ok;
}

bool decode_condition(const Entry& condition, DecodeContext& ctx, std::vector<FieldMatch>& out) {
  if (condition.key.empty()) {
    ctx.error(condition.key_position, condition.path, "a field name must not be empty");
    return false;
  }
  const YAML::Node& value = condition.value;
  if (value.IsScalar()) {
    FieldMatch equals;
    equals.field = condition.key;
    equals.op = Op::kEquals;
    equals.strings.push_back(value.Scalar());
    out.push_back(std::move(equals));
    return true;
  }
  if (value.IsMap()) return decode_comparisons(condition, ctx, out);
  if (!value.IsSequence()) {
    ctx.error(condition.value_position, condition.path,
              "expected a value, a list of values or a map of comparisons (eq, ne, lt, le, gt, "
              "ge), got " +
                  describe(value));
    return false;
  }
  if (value.size() == 0) {
    ctx.error(condition.value_position, condition.path,
              "expected at least one value; an empty list matches no event");
    return false;
  }
  FieldMatch in;
  in.field = condition.key;
  in.op = Op::kIn;
  bool ok = true;
  std::size_t index = 0;
  for (const YAML::Node& item : value) {
    const std::string path = index_path(condition.path, index++);
    if (!item.IsScalar()) {
      ctx.error(item_position(item, condition), path,
                "expected a string, number or true/false, got " + describe(item));
      ok = false;
      continue;
    }
    in.strings.push_back(item.Scalar());
  }
  if (ok) out.push_back(std::move(in));
  return ok;
}

}  // namespace

bool decode_match(const Entry& entry, DecodeContext& ctx, std::vector<FieldMatch>* out) {
  if (!entry.value.IsMap()) {
    ctx.error(entry.value_position, entry.path,
              "expected a map of field conditions like \"{type: tick, size: {gt: 0}}\", got " +
                  describe(entry.value));
    return false;
  }
  std::vector<FieldMatch> match;
  bool ok = true;
  for (const Entry& condition : map_entries(entry.value, entry.path, ctx)) {
    ok = decode_condition(condition, ctx, match) && ok;
  }
  *out = std::move(match);
  return ok;
}

bool decode_string_list(const Entry& entry, DecodeContext& ctx, const std::string& expected,
                        std::string_view item, std::vector<std::string>* out) {
  const std::string noun(item);
  if (!entry.value.IsSequence()) {
    ctx.error(entry.value_position, entry.path, expected + ", got " + describe(entry.value));
    return false;
  }
  std::vector<std::string> list;
  bool ok = true;
  std::size_t index = 0;
  for (const YAML::Node& node : entry.value) {
    const std::string path = index_path(entry.path, index++);
    const Position where = item_position(node, entry);
    if (!node.IsScalar()) {
      ctx.error(where, path, "expected a " + noun + ", got " + describe(node));
      ok = false;
      continue;
    }
    const std::string& name = node.Scalar();
    if (name.empty()) {
      ctx.error(where, path, "a " + noun + " must not be empty");
      ok = false;
      continue;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i] == name) {
        ctx.error(where, path,
                  "\"" + name + "\" is listed twice; first as " + index_path(entry.path, i));
        ok = false;
      }
    }
    list.push_back(name);
  }
  *out = std::move(list);
  return ok;
}

bool decode_index_list(const Entry& entry, DecodeContext& ctx, std::uint64_t max,
                       std::vector<std::size_t>* out) {
  if (!entry.value.IsSequence()) {
    ctx.error(entry.value_position, entry.path,
              "expected a list of whole numbers like \"[0, 1, 5]\", got " + describe(entry.value));
    return false;
  }
  std::vector<std::size_t> list;
  bool ok = true;
  std::size_t index = 0;
  for (const YAML::Node& node : entry.value) {
    const std::string path = index_path(entry.path, index++);
    const Position where = item_position(node, entry);
    Parsed<std::uint64_t> parsed =
        node.IsScalar() ? parse_count(node.Scalar()) : Parsed<std::uint64_t>{};
    if (!parsed.value.has_value() || *parsed.value > max) {
      ctx.error(
          where, path,
          "expected a whole number from 0 to " + std::to_string(max) + ", got " + describe(node));
      ok = false;
      continue;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i] == *parsed.value) {
        ctx.error(where, path,
                  node.Scalar() + " is listed twice; first as " + index_path(entry.path, i));
        ok = false;
      }
    }
    list.push_back(*parsed.value);
  }
  *out = std::move(list);
  return ok;
}

std::string format_match(const std::vector<FieldMatch>& match) {
  // One key per field, in the order of first appearance; a field's comparisons share a map.
  std::string out = "{";
  std::vector<bool> done(match.size(), false);
  for (std::size_t i = 0; i < match.size(); ++i) {
    if (done[i]) continue;
    const FieldMatch& m = match[i];
    if (out.size() > 1) out += ", ";
    out += flow_scalar(m.field);
    out += ": ";
    if (m.op == Op::kEquals) {
      out += flow_scalar(m.strings.empty() ? std::string() : m.strings.front());
    } else if (m.op == Op::kIn) {
      out += format_string_list(m.strings);
    } else {
      out += '{';
      for (std::size_t j = i; j < match.size(); ++j) {
        const FieldMatch& c = match[j];
        if (c.field != m.field || c.op == Op::kEquals || c.op == Op::kIn) continue;
        if (j > i) out += ", ";
        out += comparison_key(c.op);
        out += ": ";
        out += format_number(c.number);
        done[j] = true;
      }
      out += '}';
    }
  }
  out += '}';
  return out;
}

std::string format_index_list(const std::vector<std::size_t>& list) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(list[i]);
  }
  out += ']';
  return out;
}

std::string format_string_list(const std::vector<std::string>& list) {
  std::string out = "[";
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    out += flow_scalar(list[i]);
  }
  out += ']';
  return out;
}

}  // namespace lull::config::internal
