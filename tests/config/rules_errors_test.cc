// rules_errors_test.cc: every error class of the `state:`, `actions:` and `rules:` sections
// with its exact text and position: wrong shapes, missing and misplaced keys per rule kind and
// action type, match conditions, names, references to actions, checks across keys; collected.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/config_test_util.h"

namespace lull::config {
namespace {

using testing::errors_of;
using Lines = std::vector<std::string>;

// An action `log` and a rule item start: tests append the rule's other keys.
constexpr std::string_view kLog = "actions: {log: {type: log}}\nrules:\n";

std::vector<std::string> rule_errors(std::string_view rule_lines) {
  return errors_of(std::string(kLog) + std::string(rule_lines));
}

// --- shapes ----------------------------------------------------------------------------------

TEST(RuleErrors, RulesMustBeAList) {
  EXPECT_EQ(errors_of("rules: {name: a}\n"),
            Lines{"lull.yaml:1:8: rules: expected a list of rules (items like \"- name: "
                  "price-jump\"), got a map"});
}

TEST(RuleErrors, ARuleMustBeAMap) {
  EXPECT_EQ(rule_errors("  - price-jump\n"),
            Lines{"lull.yaml:3:5: rules[0]: expected a rule: a map like \"{name: big-trade, "
                  "kind: threshold, field: size, above: 1000, action: log}\", got \"price-jump\""});
}

TEST(RuleErrors, ActionsMustBeAMapOfMaps) {
  EXPECT_EQ(errors_of("actions:\n  - type: log\n"),
            Lines{"lull.yaml:2:3: actions: expected a map of actions by name (like \"sink: "
                  "{type: tcp, target: 127.0.0.1:7500}\"), got a list"});
  EXPECT_EQ(errors_of("actions:\n  sink: tcp\n  audit:\n"),
            (Lines{"lull.yaml:2:9: actions.sink: expected an action: a map like \"{type: log}\", "
                   "got \"tcp\"",
                   "lull.yaml:3:3: actions.audit: expected an action: a map like \"{type: "
                   "log}\", got an empty value"}));
}

TEST(RuleErrors, StateIsASectionOfBoundedValues) {
  EXPECT_EQ(errors_of("state:\n  key_ttl: 0s\n  max_keys: 0\n  max_key: 1\n"),
            (Lines{"lull.yaml:2:12: state.key_ttl: must be at least 1ms, got 0s",
                   "lull.yaml:3:13: state.max_keys: must be at least 1, got 0",
                   "lull.yaml:4:3: state.max_key: unknown key; did you mean 'max_keys'?"}));
  EXPECT_EQ(errors_of("state:\n  key_ttl: 10\n"),
            Lines{"lull.yaml:2:12: state.key_ttl: expected a duration like \"10m\"; \"10\" has no "
                  "unit (ns, us, ms, s, m or h)"});
}

// --- required keys and keys of other kinds ---------------------------------------------------

TEST(RuleErrors, NameKindAndActionAreRequired) {
  EXPECT_EQ(rule_errors("  - enabled: true\n"),
            (Lines{"lull.yaml:3:5: rules[0].name: required key is missing",
                   "lull.yaml:3:5: rules[0].kind: required key is missing; expected one of "
                   "threshold, deviation, rate, absence, sequence",
                   "lull.yaml:3:5: rules[0].action: required key is missing"}));
}

TEST(RuleErrors, AnUnknownKindSuggestsTheNearest) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: treshold, action: log, count: 5}\n"),
            Lines{"lull.yaml:3:21: rules[0].kind: expected one of threshold, deviation, rate, "
                  "absence, sequence, got \"treshold\"; did you mean 'threshold'?"});
}

TEST(RuleErrors, AKeyOfAnotherKindNamesTheKindsThatTakeIt) {
  EXPECT_EQ(rule_errors("  - name: a\n    kind: threshold\n    field: x\n    above: 1\n"
                        "    action: log\n    count: 5\n    window: 1s\n    first: {a: 1}\n"),
            (Lines{"lull.yaml:8:5: rules[0].count: only rate rules take count",
                   "lull.yaml:9:5: rules[0].window: only deviation and rate rules take window",
                   "lull.yaml:10:5: rules[0].first: only sequence rules take first"}));
  EXPECT_EQ(rule_errors("  - {name: a, kind: rate, count: 2, action: log, field: x, above: 1,"
                        " threshold: 0.1, timeout: 1s}\n"),
            (Lines{"lull.yaml:3:50: rules[0].field: only threshold and deviation rules take field",
                   "lull.yaml:3:60: rules[0].above: only threshold rules take above",
                   "lull.yaml:3:70: rules[0].threshold: only deviation rules take threshold",
                   "lull.yaml:3:86: rules[0].timeout: only absence rules take timeout"}));
}

TEST(RuleErrors, AKeyRequiredByTheKindIsReportedAtTheRule) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: deviation, action: log}\n"),
            Lines{"lull.yaml:3:5: rules[0].field: required for deviation rules"});
  EXPECT_EQ(rule_errors("  - {name: a, kind: threshold, action: log, above: 1}\n"),
            Lines{"lull.yaml:3:5: rules[0].field: required for threshold rules"});
  EXPECT_EQ(rule_errors("  - {name: a, kind: rate, action: log}\n"),
            Lines{"lull.yaml:3:5: rules[0].count: required for rate rules"});
  EXPECT_EQ(rule_errors("  - {name: a, kind: absence, action: log}\n"),
            Lines{"lull.yaml:3:5: rules[0].timeout: required for absence rules"});
  EXPECT_EQ(rule_errors("  - {name: a, kind: sequence, action: log}\n"),
            (Lines{"lull.yaml:3:5: rules[0].first: required for sequence rules",
                   "lull.yaml:3:5: rules[0].then: required for sequence rules",
                   "lull.yaml:3:5: rules[0].within: required for sequence rules"}));
}

TEST(RuleErrors, AThresholdRuleNeedsABoundAndBoundsInOrder) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: threshold, field: x, action: log}\n"),
            Lines{"lull.yaml:3:5: rules[0].above: required for threshold rules (above, below or "
                  "both)"});
  EXPECT_EQ(rule_errors("  - {name: a, kind: threshold, field: x, action: log, above: 10,"
                        " below: 100}\n"),
            Lines{"lull.yaml:3:66: rules[0].below: must be below rules[0].above (10), or the rule "
                  "fires on every value; got 100"});
  EXPECT_EQ(rule_errors("  - {name: a, kind: threshold, field: x, action: log, below: 5,"
                        " above: 5}\n"),
            Lines{"lull.yaml:3:65: rules[0].above: must be above rules[0].below (5), or the rule "
                  "fires on every value; got 5"});
}

TEST(RuleErrors, AnActionsTypeDecidesItsKeys) {
  EXPECT_EQ(errors_of("actions:\n  a: {target: 127.0.0.1:1}\n"),
            Lines{"lull.yaml:2:3: actions.a.type: required key is missing; expected one of tcp, "
                  "udp, log, jetstream"});
  EXPECT_EQ(errors_of("actions:\n  a: {type: tcp}\n  b: {type: udp}\n"),
            (Lines{"lull.yaml:2:3: actions.a.target: required for tcp actions",
                   "lull.yaml:3:3: actions.b.target: required for udp actions"}));
  EXPECT_EQ(errors_of("actions:\n  a:\n    type: log\n    target: 127.0.0.1:1\n    queue: 5\n"
                      "  b:\n    type: udp\n    target: 127.0.0.1:1\n    drop: oldest\n"
                      "    level: info\n    reconnect_min: 1s\n"),
            (Lines{"lull.yaml:4:5: actions.a.target: only tcp and udp actions take target",
                   "lull.yaml:5:5: actions.a.queue: only tcp and jetstream actions take queue",
                   "lull.yaml:9:5: actions.b.drop: only tcp and jetstream actions take drop",
                   "lull.yaml:10:5: actions.b.level: only log actions take level",
                   "lull.yaml:11:5: actions.b.reconnect_min: only tcp actions take "
                   "reconnect_min"}));
}

TEST(RuleErrors, UnknownKeysSuggestTheNearest) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: deviation, field: x, action: log, treshold: 1}\n"),
            Lines{"lull.yaml:3:55: rules[0].treshold: unknown key; did you mean 'threshold'?"});
  EXPECT_EQ(errors_of("actions:\n  a: {type: tcp, taget: 127.0.0.1:1}\n"),
            (Lines{"lull.yaml:2:3: actions.a.target: required for tcp actions",
                   "lull.yaml:2:18: actions.a.taget: unknown key; did you mean 'target'?"}));
}

// --- values --------------------------------------------------------------------------------

TEST(RuleErrors, ValuesOfTheWrongTypeOrRange) {
  EXPECT_EQ(rule_errors("  - name: a\n    kind: deviation\n    field: x\n    action: log\n"
                        "    window: [1s]\n    threshold: 0\n    min_events: 0\n"
                        "    enabled: maybe\n    cooldown: 5\n"),
            (Lines{"lull.yaml:7:13: rules[0].window: expected a duration like \"1m\", got a list",
                   "lull.yaml:8:16: rules[0].threshold: must be above 0 and at most 100, got 0",
                   "lull.yaml:9:17: rules[0].min_events: must be at least 1, got 0",
                   "lull.yaml:10:14: rules[0].enabled: expected true or false",
                   "lull.yaml:11:15: rules[0].cooldown: expected a duration like \"10s\"; \"5\" "
                   "has no unit (ns, us, ms, s, m or h)"}));
  EXPECT_EQ(rule_errors("  - {name: a, kind: rate, action: log, count: 0, window: 0s}\n"),
            (Lines{"lull.yaml:3:47: rules[0].count: must be at least 1, got 0",
                   "lull.yaml:3:58: rules[0].window: must be at least 1ns, got 0s"}));
  EXPECT_EQ(rule_errors("  - {name: a, kind: threshold, field: x, action: log, above: high}\n"),
            Lines{"lull.yaml:3:62: rules[0].above: expected a number like \"100.5\""});
}

TEST(RuleErrors, ActionValuesOutOfRange) {
  EXPECT_EQ(errors_of("actions:\n  a:\n    type: tcp\n    target: 127.0.0.1\n    queue: 0\n"
                      "    drop: latest\n    reconnect_max: 2h\n  b:\n    type: log\n"
                      "    level: off\n"),
            (Lines{"lull.yaml:4:13: actions.a.target: expected an address like "
                   "\"127.0.0.1:7500\"; \"127.0.0.1\" has no port",
                   "lull.yaml:5:12: actions.a.queue: must be from 1 to 10000000, got 0",
                   "lull.yaml:6:11: actions.a.drop: expected one of oldest, newest, got "
                   "\"latest\"",
                   "lull.yaml:7:20: actions.a.reconnect_max: must be from 1ms to 1h, got 2h",
                   "lull.yaml:10:12: actions.b.level: expected one of trace, debug, info, warn, "
                   "error, critical, got \"off\""}));
}

TEST(RuleErrors, CopyIsAListOfDistinctFieldNames) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: absence, timeout: 1s, action: log, copy: size}\n"),
            Lines{"lull.yaml:3:62: rules[0].copy: expected a list of field names like \"[size, "
                  "venue]\", got \"size\""});
  EXPECT_EQ(rule_errors("  - name: a\n    kind: absence\n    timeout: 1s\n    action: log\n"
                        "    copy: [size, {a: 1}, \"\", size]\n"),
            (Lines{"lull.yaml:7:18: rules[0].copy[1]: expected a field name, got a map",
                   "lull.yaml:7:26: rules[0].copy[2]: a field name must not be empty",
                   "lull.yaml:7:30: rules[0].copy[3]: \"size\" is listed twice; first as "
                   "rules[0].copy[0]"}));
}

// --- match -----------------------------------------------------------------------------------

TEST(MatchErrors, AMatchIsAMapOfConditions) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: absence, timeout: 1s, action: log, match: tick}\n"),
            Lines{"lull.yaml:3:63: rules[0].match: expected a map of field conditions like "
                  "\"{type: tick, size: {gt: 0}}\", got \"tick\""});
  EXPECT_EQ(rule_errors("  - name: a\n    kind: absence\n    timeout: 1s\n    action: log\n"
                        "    match:\n"),
            Lines{"lull.yaml:7:5: rules[0].match: expected a map of field conditions like "
                  "\"{type: tick, size: {gt: 0}}\", got an empty value"});
}

TEST(MatchErrors, EachConditionIsAValueAListOrComparisons) {
  EXPECT_EQ(rule_errors("  - name: a\n    kind: absence\n    timeout: 1s\n    action: log\n"
                        "    match:\n      type:\n      venue: []\n      side: [buy, [sell]]\n"),
            (Lines{"lull.yaml:8:7: rules[0].match.type: expected a value, a list of values or a "
                   "map of comparisons (eq, ne, lt, le, gt, ge), got an empty value",
                   "lull.yaml:9:14: rules[0].match.venue: expected at least one value; an empty "
                   "list matches no event",
                   "lull.yaml:10:19: rules[0].match.side[1]: expected a string, number or "
                   "true/false, got a list"}));
}

TEST(MatchErrors, ComparisonsAreKnownAndNumeric) {
  EXPECT_EQ(rule_errors("  - name: a\n    kind: absence\n    timeout: 1s\n    action: log\n"
                        "    match:\n      size: {gte: 1, between: 2, lt: [1], gt: big}\n"
                        "      price: {}\n"),
            (Lines{"lull.yaml:8:14: rules[0].match.size.gte: unknown comparison; did you mean "
                   "'ge'?",
                   "lull.yaml:8:22: rules[0].match.size.between: unknown comparison; use eq, ne, "
                   "lt, le, gt or ge",
                   "lull.yaml:8:38: rules[0].match.size.lt: expected a number, got a list",
                   "lull.yaml:8:47: rules[0].match.size.gt: expected a number, got \"big\"; "
                   "comparisons are numeric (write \"size: big\" to match a text)",
                   "lull.yaml:9:14: rules[0].match.price: expected at least one comparison: eq, "
                   "ne, lt, le, gt or ge"}));
}

TEST(MatchErrors, ConditionsOfFirstAndThenHaveTheirPaths) {
  EXPECT_EQ(rule_errors("  - name: a\n    kind: sequence\n    action: log\n    within: 1s\n"
                        "    first: {type: login, type: logout}\n    then: {size: {ne: x}}\n"),
            (Lines{"lull.yaml:7:26: rules[0].first.type: duplicate key; first set on line 7",
                   "lull.yaml:8:23: rules[0].then.size.ne: expected a number, got \"x\"; "
                   "comparisons are numeric (write \"size: x\" to match a text)"}));
}

// --- names and references ----------------------------------------------------------------

TEST(NameErrors, RuleNamesAreUniqueAndPlain) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: absence, timeout: 1s, action: log}\n"
                        "  - {name: a, kind: absence, timeout: 2s, action: log}\n"
                        "  - {name: price jump, kind: absence, timeout: 1s, action: log}\n"),
            (Lines{"lull.yaml:4:6: rules[1].name: rule name \"a\" is already used by rules[0]; "
                   "give each rule its own name",
                   "lull.yaml:5:6: rules[2].name: must be made of letters, digits, '_', '.' and "
                   "'-', got \"price jump\""}));
}

TEST(NameErrors, ActionNamesArePlainAndUnique) {
  EXPECT_EQ(errors_of("actions:\n  \"my sink\": {type: log}\n  a: {type: log}\n  a: {type: udp}\n"),
            (Lines{"lull.yaml:2:3: actions.my sink: an action name must be made of letters, "
                   "digits, '_', '.' and '-', got \"my sink\"",
                   "lull.yaml:4:3: actions.a: duplicate key; first set on line 3"}));
}

TEST(NameErrors, AnUnknownActionIsReportedAtItsValueWithTheDefinedOnes) {
  EXPECT_EQ(errors_of("actions:\n  sink: {type: tcp, target: 127.0.0.1:7500}\n"
                      "  audit: {type: log}\nrules:\n"
                      "  - {name: a, kind: absence, timeout: 1s, action: snk}\n"
                      "  - {name: b, kind: absence, timeout: 1s, action: pager}\n"),
            (Lines{"lull.yaml:5:51: rules[0].action: unknown action 'snk'; did you mean 'sink'? "
                   "defined actions: sink, audit",
                   "lull.yaml:6:51: rules[1].action: unknown action 'pager'; defined actions: "
                   "sink, audit"}));
  EXPECT_EQ(errors_of("rules:\n  - name: a\n    kind: absence\n    timeout: 1s\n"
                      "    action: log\n"),
            Lines{"lull.yaml:5:13: rules[0].action: unknown action 'log'; no actions are "
                  "defined"});
}

TEST(NameErrors, AnActionThatFailedToDecodeIsStillDefined) {
  EXPECT_EQ(
      errors_of("actions:\n  sink: {type: http}\n"
                "rules:\n  - {name: a, kind: absence, timeout: 1s, action: sink}\n"),
      Lines{"lull.yaml:2:16: actions.sink.type: expected one of tcp, udp, log, jetstream, got "
            "\"http\""});
}

// --- checks across keys --------------------------------------------------------------------

TEST(CrossErrors, WindowsAndTimersMustFitInTheKeyTtl) {
  EXPECT_EQ(rule_errors("  - {name: a, kind: deviation, field: x, action: log, window: 1h}\n"
                        "  - {name: b, kind: absence, action: log, timeout: 11m}\n"
                        "  - {name: c, kind: sequence, action: log, first: {}, then: {},"
                        " within: 1h}\n"),
            (Lines{"lull.yaml:3:55: rules[0].window: must be at most state.key_ttl (10m), got "
                   "1h; a key idle that long is dropped with its state",
                   "lull.yaml:4:43: rules[1].timeout: must be at most state.key_ttl (10m), got "
                   "11m; a key idle that long is dropped with its state",
                   "lull.yaml:5:65: rules[2].within: must be at most state.key_ttl (10m), got "
                   "1h; a key idle that long is dropped with its state"}));
  // The key_ttl written after the rule is where the problem is reported, and a default window
  // counts too.
  EXPECT_EQ(errors_of(std::string(kLog) +
                      "  - {name: a, kind: rate, count: 5, action: log}\nstate:\n  key_ttl: 30s\n"),
            Lines{"lull.yaml:5:3: state.key_ttl: must be at least rules[0].window (1m), got 30s; "
                  "a key idle that long is dropped with its state"});
}

TEST(CrossErrors, ReconnectDelaysInOrderAndATargetPort) {
  EXPECT_EQ(errors_of("actions:\n  a:\n    type: tcp\n    target: 127.0.0.1:1\n"
                      "    reconnect_min: 10s\n"),
            Lines{"lull.yaml:5:5: actions.a.reconnect_min: must be at most "
                  "actions.a.reconnect_max (5s), got 10s"});
  EXPECT_EQ(errors_of("actions:\n  a:\n    type: tcp\n    target: 127.0.0.1:1\n"
                      "    reconnect_min: 1s\n    reconnect_max: 500ms\n"),
            Lines{"lull.yaml:6:5: actions.a.reconnect_max: must be at least "
                  "actions.a.reconnect_min (1s), got 500ms"});
  EXPECT_EQ(errors_of("actions:\n  a: {type: udp, target: 127.0.0.1:0}\n"),
            Lines{"lull.yaml:2:26: actions.a.target: the port must not be 0: lulld sends to this "
                  "address, so it needs the sink's port"});
}

TEST(CrossErrors, ARejectedValueDoesNotCauseASecondError) {
  // A bad kind leaves which keys apply unknown; a bad window is not compared with key_ttl.
  EXPECT_EQ(rule_errors("  - {name: a, kind: bogus, action: log, count: 5}\n"
                        "  - {name: b, kind: rate, count: 5, action: log, window: 1y}\n"),
            (Lines{"lull.yaml:3:21: rules[0].kind: expected one of threshold, deviation, rate, "
                   "absence, sequence, got \"bogus\"",
                   "lull.yaml:4:58: rules[1].window: expected a duration like \"1m\"; unknown "
                   "unit \"y\"; use ns, us, ms, s, m or h"}));
}

// --- collecting ----------------------------------------------------------------------------

TEST(RuleErrors, EveryErrorIsCollectedInFileOrder) {
  EXPECT_EQ(errors_of(R"(rules:
  - name: price-jump
    kind: deviation
    match: {size: {gte: 0}}
    action: sinkk
    count: 3
  - name: price-jump
    kind: threshold
    field: price
actions:
  sink:
    type: tcp
    queue: lots
state:
  max_keys: -1
)"),
            (Lines{
                "lull.yaml:2:5: rules[0].field: required for deviation rules",
                "lull.yaml:4:20: rules[0].match.size.gte: unknown comparison; did you mean 'ge'?",
                "lull.yaml:5:13: rules[0].action: unknown action 'sinkk'; did you mean 'sink'? "
                "defined actions: sink",
                "lull.yaml:6:5: rules[0].count: only rate rules take count",
                "lull.yaml:7:5: rules[1].action: required key is missing",
                "lull.yaml:7:5: rules[1].name: rule name \"price-jump\" is already used by "
                "rules[0]; give each rule its own name",
                "lull.yaml:7:5: rules[1].above: required for threshold rules (above, below or "
                "both)",
                "lull.yaml:11:3: actions.sink.target: required for tcp actions",
                "lull.yaml:13:12: actions.sink.queue: expected a whole number like \"100000\"",
                "lull.yaml:15:13: state.max_keys: expected a whole number like \"1000000\"; must "
                "not be negative",
            }));
}

}  // namespace
}  // namespace lull::config
