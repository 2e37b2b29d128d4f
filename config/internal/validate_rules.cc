// validate_rules.cc: the checks across the keys of rules and actions: names made of
// [A-Za-z0-9_.-], rule names unique, each rule's action defined (reported at its `action:`
// value, with the nearest defined name), threshold rules with a bound and bounds in order,
// windows and timers no longer than state.key_ttl, and a tcp action's reconnect delays in order.
#include <optional>

#include "config/internal/validate.h"
#include "config/units.h"

namespace lull::config::internal {
namespace {

constexpr std::string_view kNameChars = "letters, digits, '_', '.' and '-'";

bool is_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The keys of one rule or action item (`item` is "rules[2]" or "actions.sink").
struct Item {
  const DecodeContext& ctx;
  std::string item;

  std::string path(std::string_view key) const { return join_path(item, key); }
  // The file set the key and its value was accepted.
  bool set(std::string_view key) const {
    const std::string p = path(key);
    return ctx.where_set(p).has_value() && !ctx.failed(p);
  }
  // The key holds a value the user wrote or its default, not a rejected value's default.
  bool usable(std::string_view key) const { return !ctx.failed(path(key)); }
  Position at(std::string_view key) const {
    if (auto where = ctx.where_set(path(key))) return *where;
    return ctx.where_set(item).value_or(Position{});
  }
};

void report(DecodeContext& ctx, const std::string& a, const std::string& b,
            const std::string& message_at_a, const std::string& message_at_b) {
  const Spot spot = locate(ctx, a, b);
  ctx.error(spot.where, spot.path, spot.at_a ? message_at_a : message_at_b);
}

std::string unknown_action_message(const std::string& name, const Config& config) {
  std::string message = "unknown action '" + name + "'; ";
  if (config.actions.empty()) return message + "no actions are defined";
  std::vector<std::string_view> names;
  for (const ActionConfig& action : config.actions) names.push_back(action.name);
  if (auto suggestion = closest(name, names)) {
    message += "did you mean '" + std::string(*suggestion) + "'? ";
  }
  return message + "defined actions: " + join_choices(names, ", ");
}

// A key's state lives while the key is not idle for state.key_ttl: a window or a timer that is
// longer would lose what it still needs when an idle key is dropped.
void check_against_key_ttl(const Item& rule, std::string_view key, Duration value,
                           const StateConfig& state, DecodeContext& ctx) {
  if (!rule.usable(key) || ctx.failed("state.key_ttl") || value <= state.key_ttl) return;
  const std::string path = rule.path(key);
  const std::string why = "; a key idle that long is dropped with its state";
  report(ctx, path, "state.key_ttl",
         "must be at most state.key_ttl (" + format_duration(state.key_ttl) + "), got " +
             format_duration(value) + why,
         "must be at least " + path + " (" + format_duration(value) + "), got " +
             format_duration(state.key_ttl) + why);
}

void check_rule(const Config& config, std::size_t index, DecodeContext& ctx) {
  const RuleConfig& rule = config.rules[index];
  const Item item{ctx, index_path("rules", index)};
  if (item.set("name")) {
    if (!is_name(rule.name)) {
      ctx.error(item.at("name"), item.path("name"),
                "must be made of " + std::string(kNameChars) + ", got " + quoted(rule.name));
    } else {
      for (std::size_t j = 0; j < index; ++j) {
        const Item other{ctx, index_path("rules", j)};
        if (other.set("name") && config.rules[j].name == rule.name) {
          ctx.error(item.at("name"), item.path("name"),
                    "rule name " + quoted(rule.name) + " is already used by " + other.item +
                        "; give each rule its own name");
          break;
        }
      }
    }
  }
  if (item.set("action")) {
    bool defined = false;
    for (const ActionConfig& action : config.actions)
      defined = defined || action.name == rule.action;
    if (!defined) {
      const std::string path = item.path("action");
      ctx.error(ctx.where_value(path).value_or(item.at("action")), path,
                unknown_action_message(rule.action, config));
    }
  }
  if (!item.set("kind")) return;  // which keys apply is unknown
  switch (rule.kind) {
    case RuleKind::kThreshold:
      if (!ctx.where_set(item.path("above")) && !ctx.where_set(item.path("below"))) {
        ctx.error(ctx.where_set(item.item).value_or(Position{}), item.path("above"),
                  "required for threshold rules (above, below or both)");
      } else if (item.set("above") && item.set("below") && *rule.below >= *rule.above) {
        const std::string above = format_number(*rule.above);
        const std::string below = format_number(*rule.below);
        const std::string why = ", or the rule fires on every value";
        report(ctx, item.path("above"), item.path("below"),
               "must be above " + item.path("below") + " (" + below + ")" + why + "; got " + above,
               "must be below " + item.path("above") + " (" + above + ")" + why + "; got " + below);
      }
      break;
    case RuleKind::kDeviation:
    case RuleKind::kRate:
      check_against_key_ttl(item, "window", rule.window, config.state, ctx);
      break;
    case RuleKind::kAbsence:
      check_against_key_ttl(item, "timeout", rule.timeout, config.state, ctx);
      break;
    case RuleKind::kSequence:
      check_against_key_ttl(item, "within", rule.within, config.state, ctx);
      break;
  }
}

void check_action(const ActionConfig& action, DecodeContext& ctx) {
  const Item item{ctx, join_path("actions", action.name)};
  if (!is_name(action.name)) {
    ctx.error(ctx.where_set(item.item).value_or(Position{}), item.item,
              "an action name must be made of " + std::string(kNameChars) + ", got " +
                  quoted(action.name));
  }
  if (!item.set("type")) return;
  if (action.type != ActionType::kLog && item.set("target") && action.target.port == 0) {
    const std::string path = item.path("target");
    ctx.error(ctx.where_value(path).value_or(item.at("target")), path,
              "the port must not be 0: lulld sends to this address, so it needs the sink's port");
  }
  if (action.type == ActionType::kJetStream) {
    if (item.usable("servers")) check_server_urls(action.servers, item.path("servers"), ctx);
    if (item.usable("subject") && !is_literal_subject(action.subject)) {
      const std::string path = item.path("subject");
      ctx.error(ctx.where_value(path).value_or(item.at("subject")), path,
                "expected a NATS subject without wildcards, like \"lull.actions\", got " +
                    quoted(action.subject));
    }
  }
  if (action.type == ActionType::kTcp && item.usable("reconnect_min") &&
      item.usable("reconnect_max") && action.reconnect_max < action.reconnect_min) {
    const std::string min = format_duration(action.reconnect_min);
    const std::string max = format_duration(action.reconnect_max);
    report(ctx, item.path("reconnect_min"), item.path("reconnect_max"),
           "must be at most " + item.path("reconnect_max") + " (" + max + "), got " + min,
           "must be at least " + item.path("reconnect_min") + " (" + min + "), got " + max);
  }
}

}  // namespace

void check_rules_and_actions(const Config& config, DecodeContext& ctx) {
  for (const ActionConfig& action : config.actions) check_action(action, ctx);
  for (std::size_t i = 0; i < config.rules.size(); ++i) check_rule(config, i, ctx);
}

}  // namespace lull::config::internal
