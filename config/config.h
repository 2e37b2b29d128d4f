// config.h: the typed form of lulld's YAML configuration, with every default.
// The loader (loader.h) fills these structs from YAML and validates them; nothing
// else parses YAML. Durations are std::chrono::nanoseconds, sizes are bytes.
// Terms: an "address" is host:port as written in YAML ("127.0.0.1:7400", "[::1]:7400").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lull::config {

using Duration = std::chrono::nanoseconds;

inline constexpr std::size_t kKiB = 1024;
inline constexpr std::size_t kMiB = 1024 * kKiB;
inline constexpr std::size_t kGiB = 1024 * kMiB;
inline constexpr std::size_t kTiB = 1024 * kGiB;

struct Address {
  std::string host;  // an IP literal or a name; "[::1]" is stored as "::1"
  std::uint16_t port = 0;

  std::string to_string() const;  // round-trips through the loader
  friend bool operator==(const Address&, const Address&) = default;
};

enum class InputType { kTcp, kUdp, kJetStream };
// Who decides which partitions of a jetstream input an instance owns: the config (`owned`),
// or leases in NATS KV shared by the live instances, which move on failure (README
// "Running several instances").
enum class Assignment { kStatic, kLease };

struct InputConfig {
  InputType type = InputType::kTcp;
  std::string name;  // metric label `input`; the loader defaults it to "tcp" / "udp"; unique
  Address listen{"127.0.0.1", 7400};
  // TCP: the longest line accepted (longer ones are discarded up to their newline).
  // UDP: the largest datagram accepted (longer ones are truncated by the kernel and rejected).
  std::size_t max_line = 64 * kKiB;
  std::size_t max_connections = 1024;  // TCP only: connections beyond it are refused and counted
  std::size_t receive_buffer = 0;      // SO_RCVBUF in bytes; 0 keeps the kernel's default
  // TCP only: a connection that sends nothing for this long is closed and counted; 0 never.
  Duration idle_timeout = std::chrono::minutes(10);

  // jetstream only (README "Running several instances"). Producers publish <subject>.<key>;
  // the server's mapping turns it into <subject>.<p>.<key>, p = FNV-1a-32(key) mod partitions,
  // captured by the stream <stream_prefix>_<p>. This instance reads the partitions it owns.
  std::vector<std::string> servers;  // nats://host:port; required
  std::string stream_prefix = "TICKS";
  std::string subject = "ticks";
  std::size_t partitions = 0;  // required; fixed when the streams are made
  Assignment assignment = Assignment::kStatic;
  std::vector<std::size_t> owned;  // static: the partitions read here; required
  // lease: each partition's lease (KV bucket <stream_prefix>_leases) lapses this long after
  // its owner's last renewal (every lease_ttl / 3); equal to the buckets' TTL.
  Duration lease_ttl = std::chrono::seconds(10);
  std::string instance;  // lease: this instance's id among the members; empty: host-pid
  // How often each partition's position (the last event whose actions every sink has taken)
  // is written to the KV bucket <stream_prefix>_positions.
  Duration commit_interval = std::chrono::milliseconds(100);
  // A rebuild replays from position time - longest rule span - replay_slack: the slack covers
  // producers' clocks running behind the server's message timestamps.
  Duration replay_slack = std::chrono::seconds(5);
  // A partition never read before (no position yet) starts at its stream's end with empty
  // windows; true: it first replays the rules' span before that end, firing nothing for it.
  bool replay_first_start = false;
  std::size_t fetch_batch = 500;                     // messages per pull request
  Duration fetch_expires = std::chrono::seconds(1);  // a pull request's longest wait
  std::size_t max_pending = 10'000;  // messages fetched and not yet handled, all partitions

  friend bool operator==(const InputConfig&, const InputConfig&) = default;
};

struct EventsConfig {
  std::string key_field = "key";  // a line without this string field is rejected
  std::string time_field = "ts";  // event time in ns since the epoch; arrival time if absent
  // An event whose time is further than this ahead of its arrival's wall clock is rejected
  // (it would empty its key's windows and then hold them open); 0 accepts any time.
  Duration max_future = std::chrono::minutes(1);

  friend bool operator==(const EventsConfig&, const EventsConfig&) = default;
};

struct MetricsConfig {
  bool enabled = true;
  Address listen{"127.0.0.1", 9464};
  Duration window = std::chrono::seconds(10);  // span of every *_max_seconds gauge

  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off

  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

enum class GcMode { kIdle, kClassic, kOff };

struct GcConfig {
  GcMode mode = GcMode::kIdle;
  std::size_t nursery = 4 * kMiB;
  double major_factor = 1.82;           // next major cycle at factor x live bytes after the last
  std::size_t min_trigger = 64 * kMiB;  // never start a major cycle below this old-space size
  std::size_t soft_limit = 1 * kGiB;    // above it the pacer collects between handlers
  std::size_t hard_limit = 2 * kGiB;    // above it a full collection runs, even in a region;
                                        // 0 means no limit (not allowed with mode off)
  Duration quantum = std::chrono::microseconds(50);  // longest single GC step in a lull
  double nursery_fill = 0.75;      // minor collection in a lull once this share is used
  double max_pacing_share = 0.25;  // most reactor time the pacer may take
  bool busy_poll = false;          // spin instead of blocking when idle with no GC work

  friend bool operator==(const GcConfig&, const GcConfig&) = default;
};

struct StateConfig {
  Duration key_ttl = std::chrono::minutes(10);  // a key idle this long is dropped with its state
  std::size_t max_keys = 1'000'000;             // new keys beyond it are rejected and counted

  friend bool operator==(const StateConfig&, const StateConfig&) = default;
};

// One condition of a rule's `match` (all must hold). YAML forms, per field:
//   type: tick            equals (a string, number or bool scalar)
//   venue: [XNAS, XNYS]   in a set (strings or numbers)
//   size: {gt: 0, le: 100}  numeric comparisons: eq, ne, lt, le, gt, ge (one condition each)
struct FieldMatch {
  enum class Op { kEquals, kIn, kEq, kNe, kLt, kLe, kGt, kGe };
  std::string field;
  Op op = Op::kEquals;
  std::vector<std::string> strings;  // kEquals / kIn: string values (scalars as written)
  double number = 0;                 // kEq .. kGe

  friend bool operator==(const FieldMatch&, const FieldMatch&) = default;
};

enum class RuleKind { kThreshold, kDeviation, kRate, kAbsence, kSequence };

struct RuleConfig {
  std::string name;  // unique; the metric label `rule` and the action's "rule" field
  RuleKind kind = RuleKind::kThreshold;
  bool enabled = true;
  std::vector<FieldMatch> match;  // events the rule looks at (all conditions hold)
  std::string key;                // key field; empty: events.key_field
  std::string action;             // a name from `actions:`; required
  Duration cooldown{0};           // per key: no second firing within this time
  std::vector<std::string> copy;  // event fields copied into the action as they are
  // threshold and deviation: the numeric field watched.
  std::string field;
  // threshold: fires when the field is above `above` or below `below` (at least one set).
  std::optional<double> above, below;
  // deviation and rate: the time window (by event time).
  Duration window = std::chrono::seconds(60);
  // deviation: fires when |value - mean| / mean > threshold once the window holds min_events.
  double threshold = 0.05;
  std::size_t min_events = 10;
  // rate: fires when at least `count` matching events of a key fall in the window.
  std::size_t count = 0;
  // absence: fires once when a key has no matching event for `timeout` after its last one.
  Duration timeout{0};
  // sequence: an event matching `first`, then one matching `then` within `within`.
  std::vector<FieldMatch> first, then;
  Duration within{0};

  friend bool operator==(const RuleConfig&, const RuleConfig&) = default;
};

enum class ActionType { kTcp, kUdp, kLog, kJetStream };
enum class DropPolicy { kDropOldest, kDropNewest };

struct ActionConfig {
  std::string name;  // the key in the `actions:` map
  ActionType type = ActionType::kLog;
  Address target;               // tcp, udp: where the sink listens
  std::size_t queue = 100'000;  // tcp, jetstream: actions held while the sink is down or slow
  DropPolicy drop = DropPolicy::kDropOldest;  // tcp, jetstream: which action a full queue loses
  // jetstream: publishes each action to <subject>.<rule> with a PubAck, and with the header
  // Nats-Msg-Id = <rule>/<partition>/<stream seq> for events from a jetstream input, so that
  // the server drops the repeats a rebuild makes.
  std::vector<std::string> servers;  // nats://host:port
  std::string subject = "lull.actions";
  Duration reconnect_min = std::chrono::milliseconds(100);  // tcp: first reconnect delay
  Duration reconnect_max = std::chrono::seconds(5);         // tcp: backoff doubles up to this
  std::string level = "info";  // log: the log level of the action's line

  friend bool operator==(const ActionConfig&, const ActionConfig&) = default;
};

// The inputs used when the config has no `inputs:` key: TCP and UDP on 127.0.0.1:7400.
std::vector<InputConfig> default_inputs();

struct Config {
  std::vector<InputConfig> inputs = default_inputs();  // an `inputs:` list replaces them all
  EventsConfig events;
  MetricsConfig metrics;
  LogConfig log;
  GcConfig gc;
  StateConfig state;
  std::vector<RuleConfig> rules;
  std::vector<ActionConfig> actions;  // in file order; names unique

  friend bool operator==(const Config&, const Config&) = default;
};

std::string_view to_string(InputType type);
std::string_view to_string(Assignment assignment);
std::string_view to_string(GcMode mode);
std::string_view to_string(RuleKind kind);
std::string_view to_string(ActionType type);
std::string_view to_string(DropPolicy policy);  // "oldest", "newest": the YAML spellings

}  // namespace lull::config
