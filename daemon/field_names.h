// field_names.h: interns event field names into small ids, so an event stores a 4-byte id
// per field instead of a copy of its name, and rules look fields up by id. Names are never
// forgotten; the table is capped (kMaxNames) so a producer inventing a new field name per
// event cannot grow it without bound: past the cap, lookups of new names fail and the
// event is rejected. Reactor thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lull::daemon {

using FieldId = std::uint32_t;

class FieldNames {
 public:
  static constexpr std::size_t kMaxNames = 4096;

  // The id of `name`, adding it if new; nullopt once the table is full.
  std::optional<FieldId> intern(std::string_view name);
  // The id of a known name, never adding.
  std::optional<FieldId> find(std::string_view name) const;
  std::string_view name(FieldId id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>()(text);
    }
  };
  std::unordered_map<std::string, FieldId, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
};

}  // namespace lull::daemon
