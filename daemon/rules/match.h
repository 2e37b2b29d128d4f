// match.h: a rule's `match` conditions, compiled against the field-name table: all must hold.
// Equality compares as written: a string field with the text; a number field with the
// condition's text read as a number; a bool with "true"/"false". Numeric comparisons need a
// numeric field; an absent or non-numeric field fails every condition on it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/event.h"
#include "daemon/field_names.h"

namespace lull::daemon {

class Match {
 public:
  Match() = default;
  // Interns the fields named; throws std::runtime_error if the name table is full.
  Match(const std::vector<config::FieldMatch>& conditions, FieldNames& names);

  bool operator()(const Event& event) const;
  bool empty() const { return conditions_.empty(); }

 private:
  struct Condition {
    FieldId field;
    config::FieldMatch::Op op;
    std::vector<std::string> strings;
    std::vector<std::optional<double>> numbers;  // each string read as a number, if it is one
    double number;
  };
  static bool holds(const Condition& condition, const Event& event);

  std::vector<Condition> conditions_;
};

// Interns `name` or throws std::runtime_error naming it (start-up only).
FieldId intern_or_throw(FieldNames& names, const std::string& name);

}  // namespace lull::daemon
