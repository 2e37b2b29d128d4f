// loader.h: lull's config from YAML text or a file into a validated Config, and back to YAML.
// Every problem is collected with its position (error.h), not only the first; a Config is
// returned only when there are none. An empty file means every default (config.h).
// The built-in default config is lull.default.yaml, compiled in: default_config_text().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/error.h"

namespace lull::config {

// The file name that errors in the built-in default config carry.
inline constexpr std::string_view kBuiltinConfigName = "<built-in>";

struct LoadResult {
  std::optional<Config> config;     // set if and only if errors is empty
  std::vector<ConfigError> errors;  // sorted by position

  bool ok() const { return config.has_value(); }
  // Every error's to_string(), one a line, each ending in '\n'.
  std::string error_text() const;
};

LoadResult load_config_file(const std::string& path);
// `file_name` is only what errors carry in their `file`.
LoadResult load_config_string(std::string_view yaml, std::string_view file_name);
// The built-in default config: commented YAML that loads into a default-constructed Config.
std::string_view default_config_text();
LoadResult load_default_config();

// Normalized YAML of every setting, no comments; load_config_string(to_yaml(c)) gives back c.
std::string to_yaml(const Config& config);

}  // namespace lull::config
