// error.h: one problem found in a config file, with where it is and what key it concerns.
// Lines and columns are 1-based (yaml-cpp's marks are 0-based; the loader converts); 0 means
// "no position", as for a file that cannot be read. Key paths read "gc.quantum",
// "inputs[1].listen".
#pragma once

#include <string>

namespace lull::config {

struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key_path;  // empty for problems of the whole file
  std::string message;

  // "lull.yaml:12:5: gc.quantum: expected a duration like \"50us\"". Without a position:
  // "lull.yaml: message"; without a key path the "key: " part is left out.
  std::string to_string() const;

  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

}  // namespace lull::config
