// to_yaml.cc: a Config as normalized YAML (lulld --print-config): every key of every section in
// the table's order, values in their shortest exact form, no comments but a header line.
// load_config_string(to_yaml(c)) == c is a tested property.
#include "config/internal/schema.h"
#include "config/loader.h"

namespace lull::config {

std::string to_yaml(const Config& config) {
  std::string out = "# lulld configuration, normalized: every setting, defaults included.\n";
  for (const internal::Section& section : internal::sections()) section.emit(config, out);
  return out;
}

}  // namespace lull::config
