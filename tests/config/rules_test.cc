// rules_test.cc: the `state:`, `actions:` and `rules:` sections on valid input: every key of
// every rule kind and action type, the defaults, the forms of a match, their to_yaml round
// trips, and deploy/ticks.yaml (the reference workload's config).
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/config_test_util.h"

namespace lull::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using Op = FieldMatch::Op;

Config loaded(std::string_view yaml) {
  LoadResult result = testing::load(yaml);
  EXPECT_TRUE(result.ok()) << result.error_text();
  return result.config.value_or(Config{});
}

Config round_trip(const Config& config) {
  const std::string yaml = to_yaml(config);
  LoadResult result = load_config_string(yaml, "printed.yaml");
  EXPECT_TRUE(result.ok()) << result.error_text() << yaml;
  return result.config.value_or(Config{});
}

FieldMatch equals(std::string field, std::string value) {
  FieldMatch m;
  m.field = std::move(field);
  m.op = Op::kEquals;
  m.strings = {std::move(value)};
  return m;
}

FieldMatch in(std::string field, std::vector<std::string> values) {
  FieldMatch m;
  m.field = std::move(field);
  m.op = Op::kIn;
  m.strings = std::move(values);
  return m;
}

FieldMatch compare(std::string field, Op op, double number) {
  FieldMatch m;
  m.field = std::move(field);
  m.op = op;
  m.number = number;
  return m;
}

constexpr std::string_view kEveryKey = R"(
state:
  key_ttl: 1h
  max_keys: 5000
actions:
  sink:
    type: tcp
    target: 127.0.0.1:7500
    queue: 10
    drop: newest
    reconnect_min: 50ms
    reconnect_max: 2s
  alerts:
    type: udp
    target: "[::1]:7501"
  audit:
    type: log
    level: warn
rules:
  - name: big-trade
    kind: threshold
    enabled: false
    match: {type: trade}
    key: account
    action: audit
    cooldown: 1m
    copy: [size, venue]
    field: size
    above: 1e4
    below: -2.5
  - name: price-jump
    kind: deviation
    action: sink
    field: price
    window: 30s
    threshold: 0.1
    min_events: 20
  - name: burst
    kind: rate
    action: alerts
    window: 1s
    count: 100
  - name: feed.silent
    kind: absence
    action: audit
    timeout: 30s
  - name: login_then_trade
    kind: sequence
    action: audit
    first: {type: login}
    then: {type: trade, size: {gt: 0}}
    within: 5s
)";

TEST(LoadRules, ReadsEveryKeyOfEveryKindAndType) {
  const Config config = loaded(kEveryKey);
  EXPECT_EQ(config.state.key_ttl, minutes(60));
  EXPECT_EQ(config.state.max_keys, 5000u);

  ASSERT_EQ(config.actions.size(), 3u);
  const ActionConfig& sink = config.actions[0];
  EXPECT_EQ(sink.name, "sink");
  EXPECT_EQ(sink.type, ActionType::kTcp);
  EXPECT_EQ(sink.target, (Address{"127.0.0.1", 7500}));
  EXPECT_EQ(sink.queue, 10u);
  EXPECT_EQ(sink.drop, DropPolicy::kDropNewest);
  EXPECT_EQ(sink.reconnect_min, milliseconds(50));
  EXPECT_EQ(sink.reconnect_max, seconds(2));
  EXPECT_EQ(config.actions[1].name, "alerts");
  EXPECT_EQ(config.actions[1].type, ActionType::kUdp);
  EXPECT_EQ(config.actions[1].target, (Address{"::1", 7501}));
  EXPECT_EQ(config.actions[2].type, ActionType::kLog);
  EXPECT_EQ(config.actions[2].level, "warn");

  ASSERT_EQ(config.rules.size(), 5u);
  const RuleConfig& threshold = config.rules[0];
  EXPECT_EQ(threshold.name, "big-trade");
  EXPECT_EQ(threshold.kind, RuleKind::kThreshold);
  EXPECT_FALSE(threshold.enabled);
  EXPECT_EQ(threshold.match, std::vector<FieldMatch>{equals("type", "trade")});
  EXPECT_EQ(threshold.key, "account");
  EXPECT_EQ(threshold.action, "audit");
  EXPECT_EQ(threshold.cooldown, minutes(1));
  EXPECT_EQ(threshold.copy, (std::vector<std::string>{"size", "venue"}));
  EXPECT_EQ(threshold.field, "size");
  EXPECT_EQ(threshold.above, 1e4);
  EXPECT_EQ(threshold.below, -2.5);

  const RuleConfig& deviation = config.rules[1];
  EXPECT_EQ(deviation.kind, RuleKind::kDeviation);
  EXPECT_TRUE(deviation.enabled);
  EXPECT_TRUE(deviation.match.empty());
  EXPECT_EQ(deviation.key, "");  // events.key_field
  EXPECT_EQ(deviation.field, "price");
  EXPECT_EQ(deviation.window, seconds(30));
  EXPECT_EQ(deviation.threshold, 0.1);
  EXPECT_EQ(deviation.min_events, 20u);

  EXPECT_EQ(config.rules[2].kind, RuleKind::kRate);
  EXPECT_EQ(config.rules[2].window, seconds(1));
  EXPECT_EQ(config.rules[2].count, 100u);
  EXPECT_EQ(config.rules[3].kind, RuleKind::kAbsence);
  EXPECT_EQ(config.rules[3].timeout, seconds(30));

  const RuleConfig& sequence = config.rules[4];
  EXPECT_EQ(sequence.kind, RuleKind::kSequence);
  EXPECT_EQ(sequence.first, std::vector<FieldMatch>{equals("type", "login")});
  EXPECT_EQ(sequence.then,
            (std::vector<FieldMatch>{equals("type", "trade"), compare("size", Op::kGt, 0)}));
  EXPECT_EQ(sequence.within, seconds(5));
}

TEST(LoadRules, KeysLeftOutKeepTheStructsDefaults) {
  const Config config = loaded(
      "actions: {log: {type: log}}\n"
      "rules:\n  - {name: a, kind: deviation, field: price, action: log}\n");
  RuleConfig expected;
  expected.name = "a";
  expected.kind = RuleKind::kDeviation;
  expected.field = "price";
  expected.action = "log";
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(config.rules[0], expected);
  ActionConfig log;
  log.name = "log";
  EXPECT_EQ(config.actions, std::vector<ActionConfig>{log});
}

TEST(LoadRules, EmptySectionsMeanNone) {
  EXPECT_EQ(loaded("rules: []\nactions: {}\nstate: {}\n"), Config{});
  EXPECT_EQ(loaded("rules:\nactions:\nstate:\n"), Config{});
}

TEST(LoadRules, UnusedActionsAndRulesWithoutActionsAreFine) {
  const Config config =
      loaded("actions:\n  a: {type: log}\n  b: {type: udp, target: 10.0.0.1:9}\n");
  EXPECT_EQ(config.actions.size(), 2u);
  EXPECT_TRUE(config.rules.empty());
}

TEST(LoadRules, ARuleMayNameAnActionDefinedAfterIt) {
  const Config config = loaded(
      "rules:\n  - {name: r, kind: absence, timeout: 1s, action: later}\n"
      "actions:\n  later: {type: log}\n");
  EXPECT_EQ(config.rules.at(0).action, "later");
}

TEST(LoadRules, MatchValuesAreKeptAsWritten) {
  const Config config = loaded(R"(
actions: {log: {type: log}}
rules:
  - name: m
    kind: threshold
    field: size
    above: 1
    action: log
    match:
      type: tick
      price: 1.50
      flag: true
      id: "007"
      venue: [XNAS, 42, "X Y"]
      size: {gt: 0, le: 100}
      seq: {ne: -1.5e3}
)");
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(
      config.rules[0].match,
      (std::vector<FieldMatch>{equals("type", "tick"), equals("price", "1.50"),
                               equals("flag", "true"), equals("id", "007"),
                               in("venue", {"XNAS", "42", "X Y"}), compare("size", Op::kGt, 0),
                               compare("size", Op::kLe, 100), compare("seq", Op::kNe, -1500)}));
}

TEST(LoadRules, EveryComparisonHasItsOp) {
  const Config config = loaded(
      "actions: {log: {type: log}}\n"
      "rules:\n  - {name: m, kind: absence, timeout: 1s, action: log,\n"
      "     match: {x: {eq: 1, ne: 2, lt: 3, le: 4, gt: 5, ge: 6}}}\n");
  EXPECT_EQ(config.rules.at(0).match,
            (std::vector<FieldMatch>{compare("x", Op::kEq, 1), compare("x", Op::kNe, 2),
                                     compare("x", Op::kLt, 3), compare("x", Op::kLe, 4),
                                     compare("x", Op::kGt, 5), compare("x", Op::kGe, 6)}));
}

TEST(LoadRules, ThresholdRulesTakeEitherBound) {
  const char* const base = "actions: {log: {type: log}}\nrules:\n  - {name: t, kind: threshold, ";
  const Config above = loaded(std::string(base) + "field: x, above: 5, action: log}\n");
  EXPECT_EQ(above.rules.at(0).above, 5.0);
  EXPECT_EQ(above.rules.at(0).below, std::nullopt);
  const Config below = loaded(std::string(base) + "field: x, below: -5, action: log}\n");
  EXPECT_EQ(below.rules.at(0).above, std::nullopt);
  EXPECT_EQ(below.rules.at(0).below, -5.0);
}

TEST(LoadRules, WindowsAndTimersMayEqualTheKeyTtl) {
  EXPECT_TRUE(testing::load("state: {key_ttl: 1m}\nactions: {log: {type: log}}\nrules:\n"
                            "  - {name: a, kind: rate, count: 2, window: 1m, action: log}\n"
                            "  - {name: b, kind: absence, timeout: 1m, action: log}\n"
                            "  - {name: c, kind: sequence, first: {}, then: {}, within: 1m,"
                            " action: log}\n"
                            "  - {name: d, kind: threshold, field: x, above: 1, cooldown: 1h,"
                            " action: log}\n")
                  .ok());
}

// --- to_yaml ---------------------------------------------------------------------------------

TEST(RulesToYaml, PrintsOnlyTheKeysOfEachKindAndType) {
  const std::string printed = to_yaml(loaded(kEveryKey));
  const std::string expected_tail =
      "state:\n"
      "  key_ttl: 1h\n"
      "  max_keys: 5000\n"
      "actions:\n"
      "  sink:\n"
      "    type: tcp\n"
      "    target: 127.0.0.1:7500\n"
      "    queue: 10\n"
      "    drop: newest\n"
      "    reconnect_min: 50ms\n"
      "    reconnect_max: 2s\n"
      "  alerts:\n"
      "    type: udp\n"
      "    target: \"[::1]:7501\"\n"
      "  audit:\n"
      "    type: log\n"
      "    level: warn\n"
      "rules:\n"
      "  - name: big-trade\n"
      "    kind: threshold\n"
      "    enabled: false\n"
      "    match: {type: trade}\n"
      "    key: account\n"
      "    action: audit\n"
      "    cooldown: 1m\n"
      "    copy: [size, venue]\n"
      "    field: size\n"
      "    above: 10000\n"
      "    below: -2.5\n"
      "  - name: price-jump\n"
      "    kind: deviation\n"
      "    enabled: true\n"
      "    match: {}\n"
      "    action: sink\n"
      "    cooldown: 0s\n"
      "    copy: []\n"
      "    field: price\n"
      "    window: 30s\n"
      "    threshold: 0.1\n"
      "    min_events: 20\n"
      "  - name: burst\n"
      "    kind: rate\n"
      "    enabled: true\n"
      "    match: {}\n"
      "    action: alerts\n"
      "    cooldown: 0s\n"
      "    copy: []\n"
      "    window: 1s\n"
      "    count: 100\n"
      "  - name: feed.silent\n"
      "    kind: absence\n"
      "    enabled: true\n"
      "    match: {}\n"
      "    action: audit\n"
      "    cooldown: 0s\n"
      "    copy: []\n"
      "    timeout: 30s\n"
      "  - name: login_then_trade\n"
      "    kind: sequence\n"
      "    enabled: true\n"
      "    match: {}\n"
      "    action: audit\n"
      "    cooldown: 0s\n"
      "    copy: []\n"
      "    first: {type: login}\n"
      "    then: {type: trade, size: {gt: 0}}\n"
      "    within: 5s\n";
  ASSERT_GE(printed.size(), expected_tail.size());
  EXPECT_EQ(printed.substr(printed.size() - expected_tail.size()), expected_tail) << printed;
}

TEST(RulesToYaml, EveryKindAndTypeRoundTrips) {
  const Config config = loaded(kEveryKey);
  EXPECT_EQ(round_trip(config), config);
}

TEST(RulesToYaml, UnusualNamesAndMatchValuesRoundTrip) {
  Config config;
  config.state = {.key_ttl = std::chrono::hours(100), .max_keys = 1};
  ActionConfig action;
  action.name = "yes";  // a YAML 1.1 boolean as a key
  action.type = ActionType::kLog;
  action.level = "critical";
  config.actions.push_back(action);
  RuleConfig rule;
  rule.name = "-x.y_z";
  rule.kind = RuleKind::kSequence;
  rule.action = "yes";
  rule.key = "a key: with colon";
  rule.copy = {"a:b", "no", "[x]", "-", "c d"};
  rule.match = {equals("url", "http://x:80/"),
                equals("t", "true"),
                equals("n", "null"),
                equals("e", "x, {y}"),
                in("v", {"1.50", "#", "a\"b\\c"}),
                compare("p", Op::kGe, 1e300),
                compare("p", Op::kLt, -0.1),
                compare("colon:field", Op::kEq, 3)};
  rule.first = {equals("type", "login")};
  rule.then = {in("type", {"trade"})};
  rule.within = std::chrono::nanoseconds(1);
  rule.cooldown = std::chrono::hours(25);
  config.rules.push_back(rule);
  EXPECT_EQ(round_trip(config), config);
}

TEST(RulesToYaml, AnEmptyKeyIsLeftOutAndUnsetBoundsToo) {
  Config config = loaded(
      "actions: {log: {type: log}}\n"
      "rules:\n  - {name: t, kind: threshold, field: x, below: 1, action: log}\n");
  const std::string printed = to_yaml(config);
  EXPECT_EQ(printed.find("    key:"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("    above:"), std::string::npos) << printed;
  EXPECT_NE(printed.find("    below: 1\n"), std::string::npos) << printed;
  EXPECT_EQ(round_trip(config), config);
}

// --- deploy/ticks.yaml -----------------------------------------------------------------------

TEST(TicksConfig, LoadsWithTheReferenceRule) {
  const LoadResult result = load_config_file(std::string(LULL_SOURCE_DIR) + "/deploy/ticks.yaml");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const Config& config = *result.config;
  ASSERT_EQ(config.inputs.size(), 2u);
  EXPECT_EQ(config.inputs[0].type, InputType::kTcp);
  EXPECT_EQ(config.inputs[0].listen, (Address{"127.0.0.1", 7400}));
  EXPECT_EQ(config.inputs[1].type, InputType::kUdp);
  EXPECT_EQ(config.inputs[1].listen, (Address{"127.0.0.1", 7400}));
  EXPECT_EQ(config.metrics.listen, (Address{"127.0.0.1", 9464}));
  EXPECT_EQ(config.events.time_field, "ts");
  EXPECT_EQ(config.state.key_ttl, minutes(10));
  EXPECT_EQ(config.state.max_keys, 100'000u);

  ActionConfig sink;
  sink.name = "sink";
  sink.type = ActionType::kTcp;
  sink.target = {"127.0.0.1", 7500};
  sink.queue = 100'000;
  sink.drop = DropPolicy::kDropOldest;
  EXPECT_EQ(config.actions, std::vector<ActionConfig>{sink});

  ASSERT_EQ(config.rules.size(), 1u);
  const RuleConfig& rule = config.rules[0];
  EXPECT_EQ(rule.name, "price-jump");
  EXPECT_EQ(rule.kind, RuleKind::kDeviation);
  EXPECT_TRUE(rule.enabled);
  EXPECT_EQ(rule.match, std::vector<FieldMatch>{equals("type", "tick")});
  EXPECT_EQ(rule.key, "key");
  EXPECT_EQ(rule.field, "price");
  EXPECT_EQ(rule.window, seconds(60));
  EXPECT_EQ(rule.min_events, 10u);
  EXPECT_EQ(rule.threshold, 0.05);
  EXPECT_EQ(rule.cooldown, seconds(0));
  EXPECT_EQ(rule.action, "sink");
  EXPECT_TRUE(rule.copy.empty());

  EXPECT_EQ(config.gc.mode, GcMode::kIdle);
  EXPECT_EQ(config.gc.hard_limit, 4 * kGiB);
  EXPECT_EQ(config.gc.soft_limit, 2 * kGiB);
  EXPECT_EQ(config.gc.nursery, 4 * kMiB);
  EXPECT_EQ(config.gc.quantum, std::chrono::microseconds(50));
}

}  // namespace
}  // namespace lull::config
