// error.cc: the text forms of config errors, as lulld --check-config prints them.
#include "config/error.h"

#include "config/loader.h"

namespace lull::config {

std::string ConfigError::to_string() const {
  std::string out = file;
  // Appended piece by piece: g++ 12 -O2 reports a false -Wrestrict for `"literal" + string`
  // (GCC bug 105329).
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
    out += ':';
    out += std::to_string(column);
  }
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

std::string LoadResult::error_text() const {
  std::string out;
  for (const ConfigError& error : errors) out += error.to_string() + "\n";
  return out;
}

}  // namespace lull::config
