// metric_names.h: which metric names a Prometheus text page exports, and which ones a PromQL
// expression uses. Terms: a family is a `# TYPE` name (lull_action_latency_seconds); a series
// name is what samples carry (lull_action_latency_seconds_bucket). An expression may name a
// series name only: a histogram family's bare name has no series in Prometheus.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

namespace lull::testing {

class ExportedMetrics {
 public:
  explicit ExportedMetrics(const std::string& page);

  // The family `name` belongs to when it is a series name of one on the page: a counter or
  // gauge by its own name, a histogram by name_bucket, name_sum or name_count. nullopt else.
  std::optional<std::string> family_of(const std::string& name) const;
  std::size_t family_count() const { return types_.size(); }

 private:
  std::map<std::string, std::string> types_;  // family -> counter, gauge, histogram...
  std::set<std::string> sampled_;             // names that carry samples on the page
};

// The lull_* and process_* identifiers in a PromQL expression (not label values).
std::set<std::string> metric_names_in(const std::string& expression);

}  // namespace lull::testing
