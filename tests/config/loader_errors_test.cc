// loader_errors_test.cc: every error class of the loader with its exact text and position:
// YAML syntax, wrong types, bad values, ranges, unknown and duplicate keys, enums, required
// keys, keys that do not apply, checks across keys; and that all errors are collected.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/config_test_util.h"

namespace lull::config {
namespace {

using testing::errors_of;
using Lines = std::vector<std::string>;

// --- YAML syntax ---------------------------------------------------------------------------

TEST(LoadErrors, SyntaxErrorHasYamlCppsPositionOneBased) {
  EXPECT_EQ(errors_of("gc:\n  quantum: [1, 2\n"),
            Lines{"lull.yaml:3:1: YAML syntax error: end of sequence flow not found"});
  EXPECT_EQ(errors_of("gc: quantum: 5\n"),
            Lines{"lull.yaml:1:12: YAML syntax error: illegal map value"});
}

TEST(LoadErrors, SyntaxErrorFromTabsSaysSo) {
  EXPECT_EQ(errors_of("gc:\n\tquantum: 5us\n"),
            Lines{"lull.yaml:2:9: YAML syntax error: illegal map value; indent with spaces: YAML "
                  "does not allow tabs"});
}

TEST(LoadErrors, SyntaxErrorFromAnUnquotedIpv6AddressSaysToQuoteIt) {
  EXPECT_EQ(errors_of("metrics:\n  listen: [::1]:9464\n"),
            Lines{"lull.yaml:2:16: YAML syntax error: end of map not found; quote an IPv6 "
                  "address: \"[::1]:7400\""});
}

TEST(LoadErrors, ASecondDocumentIsAnError) {
  EXPECT_EQ(errors_of("gc: {}\n---\nlog: {}\n"),
            Lines{"lull.yaml:3:1: a second YAML document starts here; lulld reads one"});
}

// --- wrong type ----------------------------------------------------------------------------

TEST(LoadErrors, AMapWhereAScalarIsExpected) {
  EXPECT_EQ(errors_of("gc:\n  quantum:\n    us: 50\n"),
            Lines{"lull.yaml:3:5: gc.quantum: expected a duration like \"50us\", got a map"});
}

TEST(LoadErrors, AListWhereAScalarIsExpected) {
  EXPECT_EQ(errors_of("log:\n  level: [info]\n"),
            Lines{"lull.yaml:2:10: log.level: expected one of trace, debug, info, warn, error, "
                  "critical, off, got a list"});
}

TEST(LoadErrors, AnEmptyValueWhereAScalarIsExpectedPointsAtTheKey) {
  EXPECT_EQ(errors_of("gc:\n  quantum:\n  mode: idle\n"),
            Lines{"lull.yaml:2:3: gc.quantum: expected a duration like \"50us\", got an empty "
                  "value"});
}

TEST(LoadErrors, AScalarWhereASectionIsExpected) {
  EXPECT_EQ(errors_of("gc: fast\n"),
            Lines{"lull.yaml:1:5: gc: expected a map of gc settings, got \"fast\""});
}

TEST(LoadErrors, AMapWhereTheInputsListIsExpected) {
  EXPECT_EQ(errors_of("inputs:\n  type: tcp\n"),
            Lines{"lull.yaml:2:3: inputs: expected a list of inputs (items like \"- type: "
                  "tcp\"), got a map"});
}

TEST(LoadErrors, AnInputThatIsNotAMap) {
  EXPECT_EQ(errors_of("inputs:\n  - tcp\n"),
            Lines{"lull.yaml:2:5: inputs[0]: expected an input: a map like \"{type: tcp, "
                  "listen: 127.0.0.1:7400}\", got \"tcp\""});
}

TEST(LoadErrors, AnUnquotedIpv6AddressInFlowSyntaxIsAList) {
  EXPECT_EQ(errors_of("metrics:\n  listen: [::1]\n"),
            Lines{"lull.yaml:2:11: metrics.listen: expected an address like \"127.0.0.1:9464\", "
                  "got a list; quote an IPv6 address: \"[::1]:7400\""});
}

TEST(LoadErrors, ATopLevelThatIsNotAMap) {
  EXPECT_EQ(errors_of("hello\n"),
            Lines{"lull.yaml:1:1: expected a map of sections (inputs, events, metrics, log, gc, "
                  "state, actions, rules), got \"hello\""});
}

// --- bad unit or number --------------------------------------------------------------------

TEST(LoadErrors, NotADuration) {
  EXPECT_EQ(errors_of("gc:\n  quantum: fast\n"),
            Lines{"lull.yaml:2:12: gc.quantum: expected a duration like \"50us\""});
}

TEST(LoadErrors, ADurationWithoutUnit) {
  EXPECT_EQ(errors_of("gc:\n  quantum: 50\n"),
            Lines{"lull.yaml:2:12: gc.quantum: expected a duration like \"50us\"; \"50\" has no "
                  "unit (ns, us, ms, s, m or h)"});
}

TEST(LoadErrors, ANegativeDuration) {
  EXPECT_EQ(errors_of("metrics:\n  window: -10s\n"),
            Lines{"lull.yaml:2:11: metrics.window: expected a duration like \"10s\"; must not be "
                  "negative"});
}

TEST(LoadErrors, ADecimalSizeUnit) {
  EXPECT_EQ(errors_of("gc:\n  nursery: 4MB\n"),
            Lines{"lull.yaml:2:12: gc.nursery: expected a size like \"4MiB\"; \"MB\" is not a "
                  "binary unit; write MiB (1MiB = 1048576 bytes)"});
}

TEST(LoadErrors, ASizeThatIsNotAWholeNumberOfBytes) {
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    max_line: 1.1KiB\n"),
            Lines{"lull.yaml:3:15: inputs[0].max_line: expected a size like \"64KiB\"; 1.1KiB is "
                  "not a whole number of bytes"});
}

TEST(LoadErrors, AReceiveBufferExampleIsNotItsZeroDefault) {
  EXPECT_EQ(errors_of("inputs:\n  - type: udp\n    receive_buffer: lots\n"),
            Lines{"lull.yaml:3:21: inputs[0].receive_buffer: expected a size like \"4MiB\""});
}

TEST(LoadErrors, NotANumber) {
  EXPECT_EQ(errors_of("gc:\n  major_factor: twice\n"),
            Lines{"lull.yaml:2:17: gc.major_factor: expected a number like \"1.82\""});
}

TEST(LoadErrors, NotACount) {
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    max_connections: 1.5\n"),
            Lines{"lull.yaml:3:22: inputs[0].max_connections: expected a whole number like "
                  "\"1024\"; must be a whole number without a unit"});
}

TEST(LoadErrors, NotABool) {
  EXPECT_EQ(errors_of("gc:\n  busy_poll: maybe\n"),
            Lines{"lull.yaml:2:14: gc.busy_poll: expected true or false"});
}

TEST(LoadErrors, NotAnAddress) {
  EXPECT_EQ(errors_of("metrics:\n  listen: localhost\n"),
            Lines{"lull.yaml:2:11: metrics.listen: expected an address like \"127.0.0.1:9464\"; "
                  "\"localhost\" has no port"});
}

TEST(LoadErrors, AnEmptyString) {
  EXPECT_EQ(errors_of("events:\n  key_field: \"\"\n"),
            Lines{"lull.yaml:2:14: events.key_field: expected a string like \"key\"; it must not "
                  "be empty"});
}

// --- out of range --------------------------------------------------------------------------

TEST(LoadErrors, ADurationOutOfRangeSaysTheRange) {
  EXPECT_EQ(errors_of("gc:\n  quantum: 200ms\n"),
            Lines{"lull.yaml:2:12: gc.quantum: must be from 1us to 100ms, got 200ms"});
  EXPECT_EQ(errors_of("gc:\n  quantum: 500ns\n"),
            Lines{"lull.yaml:2:12: gc.quantum: must be from 1us to 100ms, got 500ns"});
}

TEST(LoadErrors, ASizeOutOfRangeSaysTheRange) {
  EXPECT_EQ(errors_of("gc:\n  nursery: 2GiB\n"),
            Lines{"lull.yaml:2:12: gc.nursery: must be from 64KiB to 1GiB, got 2GiB"});
  EXPECT_EQ(errors_of("inputs:\n  - type: udp\n    receive_buffer: 2GiB\n"),
            Lines{"lull.yaml:3:21: inputs[0].receive_buffer: must be at most 1GiB, got 2GiB"});
}

TEST(LoadErrors, ANumberOutOfRangeSaysTheRange) {
  EXPECT_EQ(errors_of("gc:\n  major_factor: 1\n"),
            Lines{"lull.yaml:2:17: gc.major_factor: must be above 1 and at most 10, got 1"});
  EXPECT_EQ(errors_of("gc:\n  major_factor: 10.5\n"),
            Lines{"lull.yaml:2:17: gc.major_factor: must be above 1 and at most 10, got 10.5"});
  EXPECT_EQ(errors_of("gc:\n  nursery_fill: 0.01\n"),
            Lines{"lull.yaml:2:17: gc.nursery_fill: must be from 0.05 to 1, got 0.01"});
  EXPECT_EQ(errors_of("gc:\n  max_pacing_share: 0.95\n"),
            Lines{"lull.yaml:2:21: gc.max_pacing_share: must be from 0.01 to 0.9, got 0.95"});
}

TEST(LoadErrors, ACountOutOfRangeSaysTheRange) {
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    max_connections: 0\n"),
            Lines{"lull.yaml:3:22: inputs[0].max_connections: must be from 1 to 1000000, got 0"});
}

// --- unknown and duplicate keys ------------------------------------------------------------

TEST(LoadErrors, AnUnknownKeySuggestsTheClosestKnownOne) {
  EXPECT_EQ(errors_of("gc:\n  quantom: 50us\n"),
            Lines{"lull.yaml:2:3: gc.quantom: unknown key; did you mean 'quantum'?"});
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    max_conn: 5\n"),
            Lines{"lull.yaml:3:5: inputs[0].max_conn: unknown key; did you mean "
                  "'max_connections'?"});
  EXPECT_EQ(errors_of("metric:\n  enabled: true\n"),
            Lines{"lull.yaml:1:1: metric: unknown key; did you mean 'metrics'?"});
}

TEST(LoadErrors, AnUnknownKeyWithNothingCloseListsTheKnownOnes) {
  EXPECT_EQ(errors_of("log:\n  colour: true\n"),
            Lines{"lull.yaml:2:3: log.colour: unknown key; log takes: level"});
  EXPECT_EQ(errors_of("outputs: []\n"),
            Lines{"lull.yaml:1:1: outputs: unknown key; the top level takes: inputs, events, "
                  "metrics, log, gc, state, actions, rules"});
}

TEST(LoadErrors, ADuplicateKeyNamesTheFirstOnesLine) {
  EXPECT_EQ(errors_of("gc:\n  quantum: 50us\n  mode: idle\n  quantum: 60us\n"),
            Lines{"lull.yaml:4:3: gc.quantum: duplicate key; first set on line 2"});
}

TEST(LoadErrors, ADuplicateSectionIsReported) {
  EXPECT_EQ(errors_of("gc:\n  quantum: 50us\nlog: {}\ngc:\n  mode: off\n"),
            Lines{"lull.yaml:4:1: gc: duplicate key; first set on line 1"});
}

TEST(LoadErrors, ADuplicateKeyInAnInputIsReported) {
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    type: udp\n"),
            Lines{"lull.yaml:3:5: inputs[0].type: duplicate key; first set on line 2"});
}

// --- enums, required keys, keys that do not apply --------------------------------------------

TEST(LoadErrors, AnInvalidEnumListsTheChoices) {
  EXPECT_EQ(errors_of("gc:\n  mode: clasic\n"),
            Lines{"lull.yaml:2:9: gc.mode: expected one of idle, classic, off, got \"clasic\"; "
                  "did you mean 'classic'?"});
  EXPECT_EQ(
      errors_of("inputs:\n  - type: http\n"),
      Lines{"lull.yaml:2:11: inputs[0].type: expected one of tcp, udp, jetstream, got \"http\""});
}

TEST(LoadErrors, AnInvalidLogLevelListsTheLevels) {
  EXPECT_EQ(errors_of("log:\n  level: verbose\n"),
            Lines{"lull.yaml:2:10: log.level: expected one of trace, debug, info, warn, error, "
                  "critical, off, got \"verbose\""});
  EXPECT_EQ(errors_of("log:\n  level: warning\n"),
            Lines{"lull.yaml:2:10: log.level: expected one of trace, debug, info, warn, error, "
                  "critical, off, got \"warning\"; did you mean 'warn'?"});
}

TEST(LoadErrors, AMissingInputTypeIsReportedAtTheInput) {
  EXPECT_EQ(errors_of("inputs:\n  - listen: 127.0.0.1:7400\n"),
            Lines{"lull.yaml:2:5: inputs[0].type: required key is missing; expected one of tcp, "
                  "udp, jetstream"});
}

TEST(LoadErrors, MaxConnectionsOnAUdpInput) {
  EXPECT_EQ(errors_of("inputs:\n  - type: udp\n    max_connections: 5\n"),
            Lines{"lull.yaml:3:5: inputs[0].max_connections: only tcp inputs take "
                  "max_connections"});
  EXPECT_EQ(errors_of("inputs:\n  - type: udp\n    idle_timeout: 5s\n"),
            Lines{"lull.yaml:3:5: inputs[0].idle_timeout: only tcp inputs take idle_timeout"});
}

TEST(LoadErrors, AJetStreamInputNeedsServersPartitionsAndOwnedAndNoListener) {
  EXPECT_EQ(errors_of("inputs:\n  - type: jetstream\n    listen: 127.0.0.1:1\n"),
            (Lines{"lull.yaml:2:5: inputs[0].servers: required for jetstream inputs, like "
                   "[nats://127.0.0.1:4222]",
                   "lull.yaml:2:5: inputs[0].partitions: required for jetstream inputs: the P of "
                   "the server's mapping",
                   "lull.yaml:2:5: inputs[0].owned: required with assignment static: the "
                   "partitions this instance reads",
                   "lull.yaml:3:5: inputs[0].listen: a jetstream input does not listen; it reads "
                   "from `servers`"}));
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    partitions: 4\n"),
            Lines{"lull.yaml:3:5: inputs[0].partitions: only jetstream inputs take partitions"});
}

TEST(LoadErrors, AJetStreamInputsNamesAndPartitionsAreChecked) {
  EXPECT_EQ(
      errors_of(
          "inputs:\n  - type: jetstream\n    servers: [nats://a:1, \"http://b:2\", nats://a:1]\n"
          "    partitions: 4\n    owned: [0, 4, x, 0]\n    stream_prefix: \"T.X\"\n"
          "    subject: \"ticks.*\"\n"),
      (Lines{
          "lull.yaml:3:41: inputs[0].servers[2]: \"nats://a:1\" is listed twice; first as "
          "inputs[0].servers[0]",
          "lull.yaml:5:19: inputs[0].owned[2]: expected a whole number from 0 to 4095, got \"x\"",
          "lull.yaml:5:22: inputs[0].owned[3]: 0 is listed twice; first as inputs[0].owned[0]"}));
  EXPECT_EQ(
      errors_of(
          "inputs:\n  - type: jetstream\n    servers: [nats://a:1, \"http://b:2\"]\n"
          "    partitions: 4\n    owned: [0, 4]\n    stream_prefix: \"T.X\"\n"
          "    subject: \"ticks.*\"\n"
          "  - {type: jetstream, name: two, servers: [nats://a:1], partitions: 1, owned: [0]}\n"),
      (Lines{
          "lull.yaml:3:14: inputs[0].servers[1]: expected a server URL like "
          "\"nats://127.0.0.1:4222\", got \"http://b:2\"",
          "lull.yaml:5:12: inputs[0].owned: partition 4 does not exist: partitions are numbered "
          "0 to 3",
          "lull.yaml:6:20: inputs[0].stream_prefix: expected letters, digits, '-' and '_' only (a "
          "JetStream stream name), got \"T.X\"",
          "lull.yaml:7:14: inputs[0].subject: expected a NATS subject without wildcards, like "
          "\"ticks\" or \"market.ticks\", got \"ticks.*\"",
          "lull.yaml:8:5: inputs[1]: only one jetstream input is supported; inputs[0] is one"}));
}

// --- checks across keys --------------------------------------------------------------------

TEST(LoadErrors, SoftLimitMustBeBelowHardLimit) {
  EXPECT_EQ(errors_of("gc:\n  soft_limit: 3GiB\n"),
            Lines{"lull.yaml:2:3: gc.soft_limit: must be below gc.hard_limit (2GiB), got 3GiB"});
  EXPECT_EQ(errors_of("gc:\n  hard_limit: 512MiB\n"),
            Lines{"lull.yaml:2:3: gc.hard_limit: must be above gc.soft_limit (1GiB), got 512MiB"});
  // Both set: reported at the later one.
  EXPECT_EQ(errors_of("gc:\n  hard_limit: 1GiB\n  soft_limit: 1GiB\n"),
            Lines{"lull.yaml:3:3: gc.soft_limit: must be below gc.hard_limit (1GiB), got 1GiB"});
}

TEST(LoadErrors, MinTriggerMustNotExceedSoftLimit) {
  EXPECT_EQ(errors_of("gc:\n  min_trigger: 1.5GiB\n"),
            Lines{"lull.yaml:2:3: gc.min_trigger: must be at most gc.soft_limit (1GiB), got "
                  "1.5GiB"});
  EXPECT_EQ(errors_of("gc:\n  soft_limit: 32MiB\n"),
            Lines{"lull.yaml:2:3: gc.soft_limit: must be at least gc.min_trigger (64MiB), got "
                  "32MiB"});
}

TEST(LoadErrors, NurseryMustBeAtMostAQuarterOfTheHardLimit) {
  EXPECT_EQ(errors_of("gc:\n  nursery: 1GiB\n"),
            Lines{"lull.yaml:2:3: gc.nursery: must be at most a quarter of gc.hard_limit (2GiB), "
                  "got 1GiB"});
  EXPECT_EQ(errors_of("gc:\n  nursery: 256MiB\n  min_trigger: 1MiB\n  soft_limit: 100MiB\n"
                      "  hard_limit: 512MiB\n"),
            Lines{"lull.yaml:5:3: gc.hard_limit: must be at least 4 times gc.nursery (256MiB), "
                  "got 512MiB"});
}

TEST(LoadErrors, ModeOffNeedsAHardLimit) {
  EXPECT_EQ(errors_of("gc:\n  mode: off\n  hard_limit: 0\n"),
            Lines{"lull.yaml:3:3: gc.hard_limit: must not be 0 (no limit) with gc.mode off, which "
                  "never collects"});
  EXPECT_EQ(errors_of("gc:\n  hard_limit: 0\n  mode: off\n"),
            Lines{"lull.yaml:3:3: gc.mode: off never collects, so it needs a gc.hard_limit (0 "
                  "means none), like \"2GiB\""});
  EXPECT_TRUE(testing::load("gc:\n  mode: off\n").ok());
}

TEST(LoadErrors, InputNamesAreUnique) {
  EXPECT_EQ(errors_of("inputs:\n  - {type: tcp, name: a, listen: 127.0.0.1:1}\n"
                      "  - {type: udp, name: a, listen: 127.0.0.1:2}\n"),
            Lines{"lull.yaml:3:17: inputs[1].name: input name \"a\" is already used by inputs[0]; "
                  "give each input its own name"});
}

TEST(LoadErrors, TwoUnnamedInputsOfOneTypeClashOnTheirDefaultName) {
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    listen: 127.0.0.1:1\n"
                      "  - type: tcp\n    listen: 127.0.0.1:2\n"),
            Lines{"lull.yaml:4:5: inputs[1].name: input name \"tcp\" is already used by "
                  "inputs[0]; give each input its own name (an input without a name is named "
                  "after its type)"});
}

TEST(LoadErrors, TwoInputsOfOneProtocolOnOneAddress) {
  EXPECT_EQ(errors_of("inputs:\n  - {type: udp, name: a, listen: 127.0.0.1:7400}\n"
                      "  - {type: udp, name: b, listen: 127.0.0.1:7400}\n"),
            Lines{"lull.yaml:3:26: inputs[1].listen: inputs[0] already listens on udp "
                  "127.0.0.1:7400"});
}

TEST(LoadErrors, AWildcardAddressOverlapsEveryHostOnItsPort) {
  EXPECT_EQ(errors_of("inputs:\n  - {type: tcp, name: a, listen: 0.0.0.0:7400}\n"
                      "  - {type: tcp, name: b, listen: 127.0.0.1:7400}\n"),
            Lines{"lull.yaml:3:26: inputs[1].listen: tcp 127.0.0.1:7400 overlaps inputs[0], "
                  "which listens on tcp 0.0.0.0:7400"});
}

TEST(LoadErrors, MetricsMustNotShareAnAddressWithATcpInput) {
  EXPECT_EQ(errors_of("metrics:\n  listen: 127.0.0.1:7400\n"),
            Lines{"lull.yaml:2:3: metrics.listen: inputs[0] already listens on tcp "
                  "127.0.0.1:7400"});
  EXPECT_EQ(errors_of("inputs:\n  - type: tcp\n    listen: 127.0.0.1:9464\n"),
            Lines{"lull.yaml:3:5: inputs[0].listen: metrics already listens on tcp "
                  "127.0.0.1:9464"});
}

TEST(LoadErrors, ARejectedValueDoesNotCauseASecondErrorAcrossKeys) {
  // The rejected soft_limit keeps its default (1GiB), which is above this hard_limit: that is
  // not the user's mistake, so only the bad value is reported.
  EXPECT_EQ(errors_of("gc:\n  soft_limit: 3GB\n  hard_limit: 512MiB\n"),
            Lines{"lull.yaml:2:15: gc.soft_limit: expected a size like \"1GiB\"; \"GB\" is not a "
                  "binary unit; write GiB (1GiB = 1073741824 bytes)"});
}

// --- collecting ----------------------------------------------------------------------------

TEST(LoadErrors, EveryErrorIsCollectedInFileOrder) {
  const LoadResult result = testing::load(R"(gc:
  quantum: 1s
  mode: fast
  quantom: 5us
inputs:
  - type: udp
    max_connections: 3
  - listen: nowhere
log:
  level: loud
  level: info
)");
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(errors_of(result),
            (Lines{
                "lull.yaml:2:12: gc.quantum: must be from 1us to 100ms, got 1s",
                "lull.yaml:3:9: gc.mode: expected one of idle, classic, off, got \"fast\"",
                "lull.yaml:4:3: gc.quantom: unknown key; did you mean 'quantum'?",
                "lull.yaml:7:5: inputs[0].max_connections: only tcp inputs take max_connections",
                "lull.yaml:8:5: inputs[1].type: required key is missing; expected one of tcp, udp, "
                "jetstream",
                "lull.yaml:8:13: inputs[1].listen: expected an address like \"127.0.0.1:7400\"; "
                "\"nowhere\" has no port",
                "lull.yaml:10:10: log.level: expected one of trace, debug, info, warn, error, "
                "critical, off, got \"loud\"",
                "lull.yaml:11:3: log.level: duplicate key; first set on line 10",
            }));
}

}  // namespace
}  // namespace lull::config
