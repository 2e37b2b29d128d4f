// deploy_files.h: the files under deploy/ that the tests read, and the PromQL expressions in
// them: every alert's `expr` in alerts.yml; every target's `expr` and every query variable's
// query in the Grafana dashboard. `where` names the place, for failure messages.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

namespace lull::testing {

// LULL_DEPLOY_DIR + "/" + relative: deploy/ in the source tree.
std::string deploy_path(const std::string& relative);

struct Expression {
  std::string where;
  std::string text;
};

std::vector<Expression> alert_expressions();  // throws YAML::Exception on a broken file

// The dashboard, parsed; `root` lives as long as the object. `error` is set (and root
// unusable) when the file does not parse.
struct Dashboard {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string error;
};
std::unique_ptr<Dashboard> load_dashboard();

// A string value, or "" when it is missing or not a string.
std::string json_text(simdjson::simdjson_result<simdjson::dom::element> value);

// Panels of the dashboard, those nested in collapsed rows included.
std::vector<simdjson::dom::object> dashboard_panels(const Dashboard& dashboard);
std::vector<Expression> dashboard_expressions(const Dashboard& dashboard);

}  // namespace lull::testing
