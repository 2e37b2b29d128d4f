// deploy_files.cc: yaml-cpp for the rules, simdjson's DOM for the dashboard (its accessors
// throw simdjson_error on a missing key or a wrong type, which fails the calling test).
#include "tests/deploy/deploy_files.h"

#include <yaml-cpp/yaml.h>

namespace lull::testing {

std::string deploy_path(const std::string& relative) {
  return std::string(LULL_DEPLOY_DIR) + "/" + relative;
}

std::vector<Expression> alert_expressions() {
  std::vector<Expression> expressions;
  const YAML::Node file = YAML::LoadFile(deploy_path("prometheus/alerts.yml"));
  for (const auto& group : file["groups"]) {
    for (const auto& rule : group["rules"]) {
      const std::string name =
          rule["alert"] ? rule["alert"].as<std::string>() : rule["record"].as<std::string>();
      expressions.push_back({"alert " + name, rule["expr"].as<std::string>()});
    }
  }
  return expressions;
}

std::unique_ptr<Dashboard> load_dashboard() {
  auto dashboard = std::make_unique<Dashboard>();
  auto error = dashboard->parser.load(deploy_path("grafana/lull.json")).get(dashboard->root);
  if (error) dashboard->error = simdjson::error_message(error);
  return dashboard;
}

std::string json_text(simdjson::simdjson_result<simdjson::dom::element> value) {
  std::string_view view;
  return value.get(view) == simdjson::SUCCESS ? std::string(view) : std::string();
}

std::vector<simdjson::dom::object> dashboard_panels(const Dashboard& dashboard) {
  std::vector<simdjson::dom::object> panels;
  for (simdjson::dom::object panel : dashboard.root["panels"].get_array()) {
    panels.push_back(panel);
    simdjson::dom::array nested;
    if (panel["panels"].get(nested) == simdjson::SUCCESS)
      for (simdjson::dom::object inner : nested) panels.push_back(inner);
  }
  return panels;
}

std::vector<Expression> dashboard_expressions(const Dashboard& dashboard) {
  std::vector<Expression> expressions;
  for (const auto& panel : dashboard_panels(dashboard)) {
    simdjson::dom::array targets;
    if (panel["targets"].get(targets) != simdjson::SUCCESS) continue;
    const std::string title = json_text(panel["title"]);
    for (simdjson::dom::object target : targets) {
      expressions.push_back(
          {"panel '" + title + "' " + json_text(target["refId"]), json_text(target["expr"])});
    }
  }
  for (simdjson::dom::object variable : dashboard.root["templating"]["list"].get_array()) {
    if (json_text(variable["type"]) != "query") continue;
    expressions.push_back(
        {"variable " + json_text(variable["name"]), json_text(variable["query"]["query"])});
  }
  return expressions;
}

}  // namespace lull::testing
