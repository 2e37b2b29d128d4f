// config_test_util.h: shared helpers of the config tests: load YAML text as "lull.yaml", get
// its errors as the lines `lulld --check-config` would print, and print a Config in failures.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"

namespace lull::config {

// GoogleTest prints a mismatched Config as YAML instead of bytes (found by ADL).
inline void PrintTo(const Config& config, std::ostream* out) {
  *out << "\n" << to_yaml(config);
}

}  // namespace lull::config

namespace lull::config::testing {

inline LoadResult load(std::string_view yaml) {
  return load_config_string(yaml, "lull.yaml");
}

inline std::vector<std::string> errors_of(const LoadResult& result) {
  std::vector<std::string> lines;
  for (const ConfigError& error : result.errors) lines.push_back(error.to_string());
  return lines;
}

// The errors of loading `yaml`, which must not load.
inline std::vector<std::string> errors_of(std::string_view yaml) {
  return errors_of(load(yaml));
}

}  // namespace lull::config::testing
