// schema_rules.cc: the rows of the `rules:` list and the `actions:` map, and their decoders and
// printers. A key belongs to some rule kinds (action types) only: `applies` says which, and a
// key required there has `missing`. Every key of both applies on SIGHUP (Reload: yes).
#include "config/internal/schema.h"

namespace lull::config::internal {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr std::string_view kRuleKinds[] = {"threshold", "deviation", "rate", "absence",
                                           "sequence"};  // RuleKind's order
constexpr std::string_view kActionTypes[] = {"tcp", "udp", "log",
                                             "jetstream"};          // ActionType's order
constexpr std::string_view kDropPolicies[] = {"oldest", "newest"};  // DropPolicy's order
constexpr std::string_view kActionLevels[] = {"trace", "debug", "info",
                                              "warn",  "error", "critical"};  // spdlog's names

constexpr double kAnyNumber = std::numeric_limits<double>::max();

std::string required_for_kind(const RuleConfig& rule) {
  return "required for " + std::string(to_string(rule.kind)) + " rules";
}

constexpr bool queues(const ActionConfig& action) {
  return action.type == ActionType::kTcp || action.type == ActionType::kJetStream;
}

std::string required_for_type(const ActionConfig& action) {
  return "required for " + std::string(to_string(action.type)) + " actions";
}

constexpr Field<RuleConfig> kRuleFields[] = {
    {.key = "name",
     .kind = Kind::kString,
     .member = &RuleConfig::name,
     .reload = Reload::kLive,
     .example = "price-jump",
     .required = true},
    {.key = "kind",
     .kind = Kind::kEnum,
     .member = &RuleConfig::kind,
     .reload = Reload::kLive,
     .choices = kRuleKinds,
     .required = true},
    {.key = "enabled",
     .kind = Kind::kBool,
     .member = &RuleConfig::enabled,
     .reload = Reload::kLive},
    {.key = "match",
     .kind = Kind::kMatch,
     .member = &RuleConfig::match,
     .reload = Reload::kLive,
     .example = "{type: tick}"},
    {.key = "key",
     .kind = Kind::kString,
     .member = &RuleConfig::key,
     .reload = Reload::kLive,
     .example = "key"},
    {.key = "action",
     .kind = Kind::kString,
     .member = &RuleConfig::action,
     .reload = Reload::kLive,
     .example = "sink",
     .required = true},
    {.key = "cooldown",
     .kind = Kind::kDuration,
     .member = &RuleConfig::cooldown,
     .reload = Reload::kLive,
     .example = "10s"},
    {.key = "copy",
     .kind = Kind::kStringList,
     .member = &RuleConfig::copy,
     .reload = Reload::kLive,
     .example = "[size, venue]"},
    {.key = "field",
     .kind = Kind::kString,
     .member = &RuleConfig::field,
     .reload = Reload::kLive,
     .example = "price",
     .applies =
         [](const RuleConfig& r) {
           return r.kind == RuleKind::kThreshold || r.kind == RuleKind::kDeviation;
         },
     .not_applicable = "only threshold and deviation rules take field",
     .missing = required_for_kind},
    {.key = "above",
     .kind = Kind::kNumber,
     .member = &RuleConfig::above,
     .reload = Reload::kLive,
     .min_number = -kAnyNumber,
     .max_number = kAnyNumber,
     .example = "100.5",
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kThreshold; },
     .not_applicable = "only threshold rules take above"},
    {.key = "below",
     .kind = Kind::kNumber,
     .member = &RuleConfig::below,
     .reload = Reload::kLive,
     .min_number = -kAnyNumber,
     .max_number = kAnyNumber,
     .example = "10",
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kThreshold; },
     .not_applicable = "only threshold rules take below"},
    {.key = "window",
     .kind = Kind::kDuration,
     .member = &RuleConfig::window,
     .reload = Reload::kLive,
     .min = 1,
     .applies =
         [](const RuleConfig& r) {
           return r.kind == RuleKind::kDeviation || r.kind == RuleKind::kRate;
         },
     .not_applicable = "only deviation and rate rules take window"},
    {.key = "threshold",
     .kind = Kind::kNumber,
     .member = &RuleConfig::threshold,
     .reload = Reload::kLive,
     .min_number = 0,
     .max_number = 100,
     .min_exclusive = true,
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kDeviation; },
     .not_applicable = "only deviation rules take threshold"},
    {.key = "min_events",
     .kind = Kind::kCount,
     .member = &RuleConfig::min_events,
     .reload = Reload::kLive,
     .min = 1,
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kDeviation; },
     .not_applicable = "only deviation rules take min_events"},
    {.key = "count",
     .kind = Kind::kCount,
     .member = &RuleConfig::count,
     .reload = Reload::kLive,
     .min = 1,
     .example = "100",
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kRate; },
     .not_applicable = "only rate rules take count",
     .missing = required_for_kind},
    {.key = "timeout",
     .kind = Kind::kDuration,
     .member = &RuleConfig::timeout,
     .reload = Reload::kLive,
     .min = 1,
     .example = "30s",
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kAbsence; },
     .not_applicable = "only absence rules take timeout",
     .missing = required_for_kind},
    {.key = "first",
     .kind = Kind::kMatch,
     .member = &RuleConfig::first,
     .reload = Reload::kLive,
     .example = "{type: login}",
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kSequence; },
     .not_applicable = "only sequence rules take first",
     .missing = required_for_kind},
    {.key = "then",
     .kind = Kind::kMatch,
     .member = &RuleConfig::then,
     .reload = Reload::kLive,
     .example = "{type: trade}",
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kSequence; },
     .not_applicable = "only sequence rules take then",
     .missing = required_for_kind},
    {.key = "within",
     .kind = Kind::kDuration,
     .member = &RuleConfig::within,
     .reload = Reload::kLive,
     .min = 1,
     .example = "5s",
     .applies = [](const RuleConfig& r) { return r.kind == RuleKind::kSequence; },
     .not_applicable = "only sequence rules take within",
     .missing = required_for_kind},
};

constexpr Field<ActionConfig> kActionFields[] = {
    {.key = "type",
     .kind = Kind::kEnum,
     .member = &ActionConfig::type,
     .reload = Reload::kLive,
     .choices = kActionTypes,
     .required = true},
    {.key = "target",
     .kind = Kind::kAddress,
     .member = &ActionConfig::target,
     .reload = Reload::kLive,
     .example = "127.0.0.1:7500",
     .applies =
         [](const ActionConfig& a) {
           return a.type == ActionType::kTcp || a.type == ActionType::kUdp;
         },
     .not_applicable = "only tcp and udp actions take target",
     .missing = required_for_type},
    {.key = "queue",
     .kind = Kind::kCount,
     .member = &ActionConfig::queue,
     .reload = Reload::kLive,
     .min = 1,
     .max = 10'000'000,
     .applies = queues,
     .not_applicable = "only tcp and jetstream actions take queue"},
    {.key = "drop",
     .kind = Kind::kEnum,
     .member = &ActionConfig::drop,
     .reload = Reload::kLive,
     .choices = kDropPolicies,
     .applies = queues,
     .not_applicable = "only tcp and jetstream actions take drop"},
    {.key = "reconnect_min",
     .kind = Kind::kDuration,
     .member = &ActionConfig::reconnect_min,
     .reload = Reload::kLive,
     .min = ns(milliseconds(1)),
     .max = ns(hours(1)),
     .applies = [](const ActionConfig& a) { return a.type == ActionType::kTcp; },
     .not_applicable = "only tcp actions take reconnect_min"},
    {.key = "reconnect_max",
     .kind = Kind::kDuration,
     .member = &ActionConfig::reconnect_max,
     .reload = Reload::kLive,
     .min = ns(milliseconds(1)),
     .max = ns(hours(1)),
     .applies = [](const ActionConfig& a) { return a.type == ActionType::kTcp; },
     .not_applicable = "only tcp actions take reconnect_max"},
    {.key = "level",
     .kind = Kind::kEnum,
     .member = &ActionConfig::level,
     .reload = Reload::kLive,
     .choices = kActionLevels,
     .applies = [](const ActionConfig& a) { return a.type == ActionType::kLog; },
     .not_applicable = "only log actions take level"},
    {.key = "servers",
     .kind = Kind::kStringList,
     .member = &ActionConfig::servers,
     .reload = Reload::kLive,
     .example = "[nats://127.0.0.1:4222]",
     .item = "server URL",
     .applies = [](const ActionConfig& a) { return a.type == ActionType::kJetStream; },
     .not_applicable = "only jetstream actions take servers",
     .missing = required_for_type},
    {.key = "subject",
     .kind = Kind::kString,
     .member = &ActionConfig::subject,
     .reload = Reload::kLive,
     .applies = [](const ActionConfig& a) { return a.type == ActionType::kJetStream; },
     .not_applicable = "only jetstream actions take subject"},
};

static_assert(rows_consistent<RuleConfig>(kRuleFields));
static_assert(rows_consistent<ActionConfig>(kActionFields));

}  // namespace

std::span<const Field<RuleConfig>> rule_fields() {
  return kRuleFields;
}

std::span<const Field<ActionConfig>> action_fields() {
  return kActionFields;
}

// Like `inputs:`, an item that cannot be decoded is kept and marked failed, so that rules[i]
// in the checks across rules is still the i-th item of the file. `rules:` with nothing is none.
void decode_rules(const Entry& entry, DecodeContext& ctx, Config& config) {
  if (entry.value.IsNull()) return;
  if (!entry.value.IsSequence()) {
    ctx.error(entry.value_position, entry.path,
              "expected a list of rules (items like \"- name: price-jump\"), got " +
                  describe(entry.value));
    return;
  }
  std::size_t index = 0;
  for (const YAML::Node& item : entry.value) {
    const std::string path = index_path(entry.path, index++);
    const Position where = item.IsNull() ? entry.key_position : position_of(item);
    ctx.mark_set(path, where);
    RuleConfig rule;
    if (!item.IsMap()) {
      ctx.error(where, path,
                "expected a rule: a map like \"{name: big-trade, kind: threshold, field: size, "
                "above: 1000, action: log}\", got " +
                    describe(item));
      ctx.mark_failed(path);
    } else if (!decode_fields(item, path, where, rule_fields(), ctx, rule)) {
      ctx.mark_failed(path);
    }
    config.rules.push_back(std::move(rule));
  }
}

void emit_rules(const Config& config, std::string& out) {
  if (config.rules.empty()) {
    out += "rules: []\n";
    return;
  }
  out += "rules:\n";
  for (const RuleConfig& rule : config.rules) {
    emit_fields(rule, rule_fields(), "  - ", "    ", out);
  }
}

// A map from each action's name (the key; names are unique, as keys are) to its settings.
void decode_actions(const Entry& entry, DecodeContext& ctx, Config& config) {
  if (entry.value.IsNull()) return;
  if (!entry.value.IsMap()) {
    ctx.error(entry.value_position, entry.path,
              "expected a map of actions by name (like \"sink: {type: tcp, target: "
              "127.0.0.1:7500}\"), got " +
                  describe(entry.value));
    return;
  }
  for (const Entry& item : map_entries(entry.value, entry.path, ctx)) {
    ActionConfig action;
    action.name = item.key;
    if (!item.value.IsMap()) {
      ctx.error(item.value_position, item.path,
                "expected an action: a map like \"{type: log}\", got " + describe(item.value));
      ctx.mark_failed(item.path);
    } else if (!decode_fields(item.value, item.path, item.key_position, action_fields(), ctx,
                              action)) {
      ctx.mark_failed(item.path);
    }
    config.actions.push_back(std::move(action));
  }
}

void emit_actions(const Config& config, std::string& out) {
  if (config.actions.empty()) {
    out += "actions: {}\n";
    return;
  }
  out += "actions:\n";
  for (const ActionConfig& action : config.actions) {
    out += "  ";
    out += yaml_scalar(action.name);
    out += ":\n";
    emit_fields(action, action_fields(), "    ", "    ", out);
  }
}

}  // namespace lull::config::internal
