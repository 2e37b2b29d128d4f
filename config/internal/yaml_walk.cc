// yaml_walk.cc: positions, duplicate-key detection over yaml-cpp maps, error collection and
// typo suggestions by edit distance.
#include "config/internal/yaml_walk.h"

#include <algorithm>
#include <cctype>

namespace lull::config::internal {

Position position_of(const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

Position position_of(const YAML::Node& node) {
  return position_of(node.Mark());
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "\"" + node.Scalar() + "\"";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: break;
  }
  return "an empty value";
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

void DecodeContext::error(Position where, std::string key_path, std::string message) {
  errors_.push_back(
      ConfigError{file_, where.line, where.column, std::move(key_path), std::move(message)});
}

std::optional<Position> DecodeContext::where_set(std::string_view path) const {
  auto it = set_.find(path);
  if (it == set_.end()) return std::nullopt;
  return it->second;
}

std::optional<Position> DecodeContext::where_value(std::string_view path) const {
  auto it = values_.find(path);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<ConfigError> DecodeContext::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return std::move(errors_);
}

std::vector<Entry> map_entries(const YAML::Node& map, std::string_view path, DecodeContext& ctx) {
  std::vector<Entry> entries;
  for (auto it = map.begin(); it != map.end(); ++it) {
    // A copy, not a reference: it-> yields a temporary pair that dies with the statement.
    const YAML::Node key = it->first;
    const Position key_position = position_of(key);
    if (!key.IsScalar()) {
      ctx.error(key_position, std::string(path),
                "expected a key name, got " + describe(key) + " as a key");
      continue;
    }
    Entry entry{key.Scalar(), join_path(path, key.Scalar()), it->second, key_position,
                key_position};
    if (!entry.value.IsNull()) entry.value_position = position_of(entry.value);
    auto first = std::find_if(entries.begin(), entries.end(),
                              [&](const Entry& e) { return e.key == entry.key; });
    if (first != entries.end()) {
      ctx.error(key_position, entry.path,
                "duplicate key; first set on line " + std::to_string(first->key_position.line));
      continue;
    }
    ctx.mark_set(entry.path, key_position);
    ctx.mark_value(entry.path, entry.value_position);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Levenshtein over lower-cased bytes, one row at a time.
  auto fold = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  // A third of the word, and at least 1, catches typos ("quantom", "hardlimit") without
  // suggesting unrelated keys ("http" is not "tcp"). A word that starts a key ("max_conn") or
  // that a key starts ("warning") is a match too.
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    const bool prefix = std::min(word.size(), candidate.size()) >= 3 &&
                        (candidate.starts_with(word) || word.starts_with(candidate));
    if (prefix) distance = std::min(distance, limit);
    if (distance < best_distance && distance < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string join_choices(std::span<const std::string_view> choices, std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? last_sep : ", ";
    out += choices[i];
  }
  return out;
}

std::string unknown_key_message(std::string_view key, std::span<const std::string_view> known,
                                std::string_view where) {
  if (auto suggestion = closest(key, known)) {
    return "unknown key; did you mean '" + std::string(*suggestion) + "'?";
  }
  return "unknown key; " + std::string(where) + " takes: " + join_choices(known, ", ");
}

}  // namespace lull::config::internal
