// match.cc: evaluating conditions against an event's typed fields.
#include "daemon/rules/match.h"

#include <charconv>
#include <stdexcept>

namespace lull::daemon {

FieldId intern_or_throw(FieldNames& names, const std::string& name) {
  auto id = names.intern(name);
  if (!id) throw std::runtime_error("field name table full at '" + name + "'");
  return *id;
}

Match::Match(const std::vector<config::FieldMatch>& conditions, FieldNames& names) {
  for (const auto& condition : conditions) {
    Condition compiled{intern_or_throw(names, condition.field),
                       condition.op,
                       condition.strings,
                       {},
                       condition.number};
    for (const auto& text : condition.strings) {
      double value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      compiled.numbers.push_back(error == std::errc() && end == text.data() + text.size()
                                     ? std::optional<double>(value)
                                     : std::nullopt);
    }
    conditions_.push_back(std::move(compiled));
  }
}

bool Match::operator()(const Event& event) const {
  for (const auto& condition : conditions_) {
    if (!holds(condition, event)) return false;
  }
  return true;
}

bool Match::holds(const Condition& condition, const Event& event) {
  using Op = config::FieldMatch::Op;
  const FieldValue* field = event.find(condition.field);
  if (field == nullptr) return false;
  if (condition.op == Op::kEquals || condition.op == Op::kIn) {
    for (std::size_t i = 0; i < condition.strings.size(); ++i) {
      switch (field->kind) {
        case FieldKind::kString:
          if (event.string(condition.field) == condition.strings[i]) return true;
          break;
        case FieldKind::kBool:
          if (condition.strings[i] == (field->boolean ? "true" : "false")) return true;
          break;
        case FieldKind::kInt:
        case FieldKind::kUint:
        case FieldKind::kDouble:
          if (condition.numbers[i] && event.number(condition.field) == *condition.numbers[i]) {
            return true;
          }
          break;
        default: break;
      }
    }
    return false;
  }
  auto value = event.number(condition.field);
  if (!value) return false;
  switch (condition.op) {
    case Op::kEq: return *value == condition.number;
    case Op::kNe: return *value != condition.number;
    case Op::kLt: return *value < condition.number;
    case Op::kLe: return *value <= condition.number;
    case Op::kGt: return *value > condition.number;
    case Op::kGe: return *value >= condition.number;
    default: return false;
  }
}

}  // namespace lull::daemon
