// yaml_walk.h: what every decoder shares: the error list, the record of which keys the file set
// and where (cross-field checks report there), walking a YAML map with duplicate-key detection,
// and "did you mean" suggestions. Positions here are already 1-based.
// Internal to config/: only the loader and its tests include it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.h"

namespace lull::config::internal {

struct Position {
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
};

Position position_of(const YAML::Mark& mark);
Position position_of(const YAML::Node& node);

// How a node reads in "expected ..., got <this>": "a map", "a list", "an empty value".
std::string describe(const YAML::Node& node);

std::string join_path(std::string_view parent, std::string_view key);  // "gc" + "quantum"
std::string index_path(std::string_view parent, std::size_t index);    // "inputs[1]"

class DecodeContext {
 public:
  explicit DecodeContext(std::string file) : file_(std::move(file)) {}

  void error(Position where, std::string key_path, std::string message);
  bool has_errors() const { return !errors_.empty(); }

  // The file sets `path` (a key, a section or a list item) at `where`.
  void mark_set(const std::string& path, Position where) { set_[path] = where; }
  std::optional<Position> where_set(std::string_view path) const;
  // Where the value of the key at `path` is (map_entries records it): for errors about what a
  // value refers to ("unknown action"), which point at the value, not at its key.
  void mark_value(const std::string& path, Position where) { values_[path] = where; }
  std::optional<Position> where_value(std::string_view path) const;

  // `path`'s value was rejected, so it holds its default: checks across keys skip it rather
  // than report a second, confusing error about a value the user did not write.
  void mark_failed(const std::string& path) { failed_.insert(path); }
  bool failed(std::string_view path) const { return failed_.find(path) != failed_.end(); }

  // Sorted by position; errors without one first.
  std::vector<ConfigError> take_errors();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  std::map<std::string, Position, std::less<>> set_;
  std::map<std::string, Position, std::less<>> values_;
  std::set<std::string, std::less<>> failed_;
};

struct Entry {
  std::string key;
  std::string path;  // parent path + key
  YAML::Node value;
  Position key_position;
  Position value_position;  // the key's when the value is empty (yaml-cpp marks the next line)
};

// The entries of `map` in file order, the first occurrence of each key only. yaml-cpp 0.7 keeps
// both pairs of a repeated key and lookups see the first, so a repetition would otherwise be
// silently ignored: it is reported at the second occurrence, naming the first one's line.
// Each entry is mark_set() at its key and mark_value() at its value.
std::vector<Entry> map_entries(const YAML::Node& map, std::string_view path, DecodeContext& ctx);

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, if near enough to be a likely typo.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);

// "unknown key; did you mean 'quantum'?", or "unknown key; <where> takes: mode, nursery, ...".
std::string unknown_key_message(std::string_view key, std::span<const std::string_view> known,
                                std::string_view where);

// "a, b or c"
std::string join_choices(std::span<const std::string_view> choices, std::string_view last_sep);

}  // namespace lull::config::internal
