// field_names.cc: the interning table.
#include "daemon/field_names.h"

namespace lull::daemon {

std::optional<FieldId> FieldNames::intern(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  if (names_.size() >= kMaxNames) return std::nullopt;
  auto id = static_cast<FieldId>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

std::optional<FieldId> FieldNames::find(std::string_view name) const {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  return std::nullopt;
}

}  // namespace lull::daemon
