// metric_names.cc: a small reader of the Prometheus text format (TYPE lines and sample names
// only) and an identifier scan of PromQL.
#include "tests/deploy/metric_names.h"

#include <cctype>
#include <sstream>

namespace lull::testing {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

}  // namespace

ExportedMetrics::ExportedMetrics(const std::string& page) {
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("# TYPE ")) {
      std::istringstream fields(line.substr(7));
      std::string family, type;
      fields >> family >> type;
      types_[family] = type;
    } else if (!line.empty() && line[0] != '#') {
      std::size_t end = 0;
      while (end < line.size() && is_name_char(line[end])) ++end;
      sampled_.insert(line.substr(0, end));
    }
  }
}

std::optional<std::string> ExportedMetrics::family_of(const std::string& name) const {
  if (!sampled_.contains(name)) return std::nullopt;
  if (types_.contains(name)) return name;
  for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (!name.ends_with(suffix)) continue;
    const std::string family = name.substr(0, name.size() - suffix.size());
    auto type = types_.find(family);
    if (type == types_.end()) continue;
    if (type->second == "histogram") return family;
    if (type->second == "summary" && suffix != "_bucket") return family;
  }
  return std::nullopt;
}

std::set<std::string> metric_names_in(const std::string& expression) {
  std::set<std::string> names;
  for (std::size_t at = 0; at < expression.size(); ++at) {
    if (at > 0 && is_name_char(expression[at - 1])) continue;  // not the start of a word
    if (expression.compare(at, 5, "lull_") != 0 && expression.compare(at, 8, "process_") != 0)
      continue;
    std::size_t end = at;
    while (end < expression.size() && is_name_char(expression[end])) ++end;
    if (at == 0 || expression[at - 1] != '"') names.insert(expression.substr(at, end - at));
    at = end;
  }
  return names;
}

}  // namespace lull::testing
