// schema.cc: the rows of lull's settings table and the section decoders and printers.
// Bounds say what lull can run with, not what is wise; lull.default.yaml argues the defaults.
// Reload: inputs and metrics addresses need a restart (sockets are bound once); log level and
// the GC budgets apply on SIGHUP; anything sizing memory at start (nursery, state) needs a
// restart. Rules and actions (schema_rules.cc) apply on SIGHUP.
#include "config/internal/schema.h"

namespace lull::config::internal {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::uint64_t kMaxPartitions = 4096;

constexpr bool listens(const InputConfig& input) {
  return input.type != InputType::kJetStream;
}
constexpr bool jetstream(const InputConfig& input) {
  return input.type == InputType::kJetStream;
}
constexpr bool leased(const InputConfig& input) {
  return jetstream(input) && input.assignment == Assignment::kLease;
}

constexpr std::string_view kInputTypes[] = {"tcp", "udp", "jetstream"};  // InputType's order
constexpr std::string_view kAssignments[] = {"static", "lease"};         // Assignment's order
constexpr std::string_view kGcModes[] = {"idle", "classic", "off"};      // GcMode's order
constexpr std::string_view kLogLevels[] = {"trace", "debug",    "info", "warn",
                                           "error", "critical", "off"};  // spdlog's names

constexpr Field<InputConfig> kInputFields[] = {
    {.key = "type",
     .kind = Kind::kEnum,
     .member = &InputConfig::type,
     .choices = kInputTypes,
     .required = true},
    {.key = "name", .kind = Kind::kString, .member = &InputConfig::name, .example = "tcp-main"},
    {.key = "listen",
     .kind = Kind::kAddress,
     .member = &InputConfig::listen,
     .applies = listens,
     .not_applicable = "a jetstream input does not listen; it reads from `servers`"},
    {.key = "max_line",
     .kind = Kind::kSize,
     .member = &InputConfig::max_line,
     .min = 64,
     .max = 64 * kMiB},
    {.key = "max_connections",
     .kind = Kind::kCount,
     .member = &InputConfig::max_connections,
     .min = 1,
     .max = 1'000'000,
     .applies = [](const InputConfig& input) { return input.type == InputType::kTcp; },
     .not_applicable = "only tcp inputs take max_connections"},
    {.key = "receive_buffer",
     .kind = Kind::kSize,
     .member = &InputConfig::receive_buffer,
     .max = 1 * kGiB,
     .example = "4MiB",
     .applies = listens,
     .not_applicable = "a jetstream input has no socket buffer to size"},
    {.key = "idle_timeout",
     .kind = Kind::kDuration,
     .member = &InputConfig::idle_timeout,
     .max = ns(hours(24)),
     .applies = [](const InputConfig& input) { return input.type == InputType::kTcp; },
     .not_applicable = "only tcp inputs take idle_timeout"},
    {.key = "servers",
     .kind = Kind::kStringList,
     .member = &InputConfig::servers,
     .example = "[nats://127.0.0.1:4222]",
     .item = "server URL",
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take servers",
     .missing =
         [](const InputConfig&) {
           return std::string("required for jetstream inputs, like [nats://127.0.0.1:4222]");
         }},
    {.key = "stream_prefix",
     .kind = Kind::kString,
     .member = &InputConfig::stream_prefix,
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take stream_prefix"},
    {.key = "subject",
     .kind = Kind::kString,
     .member = &InputConfig::subject,
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take subject"},
    {.key = "partitions",
     .kind = Kind::kCount,
     .member = &InputConfig::partitions,
     .min = 1,
     .max = kMaxPartitions,
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take partitions",
     .missing =
         [](const InputConfig&) {
           return std::string("required for jetstream inputs: the P of the server's mapping");
         }},
    {.key = "assignment",
     .kind = Kind::kEnum,
     .member = &InputConfig::assignment,
     .choices = kAssignments,
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take assignment"},
    {.key = "owned",
     .kind = Kind::kIndexList,
     .member = &InputConfig::owned,
     .max = kMaxPartitions - 1,
     .example = "[0, 1, 2]",
     .applies =
         [](const InputConfig& input) {
           return jetstream(input) && input.assignment == Assignment::kStatic;
         },
     .not_applicable = "only jetstream inputs with assignment static take owned",
     .missing =
         [](const InputConfig&) {
           return std::string(
               "required with assignment static: the partitions this instance reads");
         }},
    {.key = "lease_ttl",
     .kind = Kind::kDuration,
     .member = &InputConfig::lease_ttl,
     .min = ns(seconds(1)),
     .max = ns(minutes(10)),
     .applies = leased,
     .not_applicable = "only jetstream inputs with assignment lease take lease_ttl"},
    {.key = "instance",
     .kind = Kind::kString,
     .member = &InputConfig::instance,
     .example = "lulld-a",
     .applies = leased,
     .not_applicable = "only jetstream inputs with assignment lease take instance"},
    {.key = "commit_interval",
     .kind = Kind::kDuration,
     .member = &InputConfig::commit_interval,
     .min = ns(milliseconds(1)),
     .max = ns(minutes(10)),
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take commit_interval"},
    {.key = "replay_slack",
     .kind = Kind::kDuration,
     .member = &InputConfig::replay_slack,
     .max = ns(hours(1)),
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take replay_slack"},
    {.key = "replay_first_start",
     .kind = Kind::kBool,
     .member = &InputConfig::replay_first_start,
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take replay_first_start"},
    {.key = "fetch_batch",
     .kind = Kind::kCount,
     .member = &InputConfig::fetch_batch,
     .min = 1,
     .max = 100'000,
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take fetch_batch"},
    {.key = "fetch_expires",
     .kind = Kind::kDuration,
     .member = &InputConfig::fetch_expires,
     .min = ns(milliseconds(10)),
     .max = ns(minutes(1)),
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take fetch_expires"},
    {.key = "max_pending",
     .kind = Kind::kCount,
     .member = &InputConfig::max_pending,
     .min = 1,
     .max = 10'000'000,
     .applies = jetstream,
     .not_applicable = "only jetstream inputs take max_pending"},
};

constexpr Field<EventsConfig> kEventsFields[] = {
    {.key = "key_field", .kind = Kind::kString, .member = &EventsConfig::key_field},
    {.key = "time_field", .kind = Kind::kString, .member = &EventsConfig::time_field},
    {.key = "max_future",
     .kind = Kind::kDuration,
     .member = &EventsConfig::max_future,
     .max = ns(hours(24 * 365))},
};

constexpr Field<MetricsConfig> kMetricsFields[] = {
    {.key = "enabled", .kind = Kind::kBool, .member = &MetricsConfig::enabled},
    {.key = "listen", .kind = Kind::kAddress, .member = &MetricsConfig::listen},
    {.key = "window",
     .kind = Kind::kDuration,
     .member = &MetricsConfig::window,
     .min = ns(seconds(1)),
     .max = ns(hours(1))},
};

constexpr Field<LogConfig> kLogFields[] = {
    {.key = "level",
     .kind = Kind::kEnum,
     .member = &LogConfig::level,
     .reload = Reload::kLive,
     .choices = kLogLevels},
};

constexpr Field<GcConfig> kGcFields[] = {
    {.key = "mode", .kind = Kind::kEnum, .member = &GcConfig::mode, .choices = kGcModes},
    {.key = "nursery",
     .kind = Kind::kSize,
     .member = &GcConfig::nursery,
     .min = 64 * kKiB,
     .max = 1 * kGiB},
    {.key = "major_factor",
     .kind = Kind::kNumber,
     .member = &GcConfig::major_factor,
     .reload = Reload::kLive,
     .min_number = 1,
     .max_number = 10,
     .min_exclusive = true},
    {.key = "min_trigger",
     .kind = Kind::kSize,
     .member = &GcConfig::min_trigger,
     .reload = Reload::kLive,
     .max = 64 * kTiB},
    {.key = "soft_limit",
     .kind = Kind::kSize,
     .member = &GcConfig::soft_limit,
     .reload = Reload::kLive,
     .min = 1 * kMiB,
     .max = 64 * kTiB},
    {.key = "hard_limit",
     .kind = Kind::kSize,
     .member = &GcConfig::hard_limit,
     .reload = Reload::kLive,
     .max = 64 * kTiB},
    {.key = "quantum",
     .kind = Kind::kDuration,
     .member = &GcConfig::quantum,
     .reload = Reload::kLive,
     .min = ns(microseconds(1)),
     .max = ns(milliseconds(100))},
    {.key = "nursery_fill",
     .kind = Kind::kNumber,
     .member = &GcConfig::nursery_fill,
     .reload = Reload::kLive,
     .min_number = 0.05,
     .max_number = 1},
    {.key = "max_pacing_share",
     .kind = Kind::kNumber,
     .member = &GcConfig::max_pacing_share,
     .reload = Reload::kLive,
     .min_number = 0.01,
     .max_number = 0.9},
    {.key = "busy_poll",
     .kind = Kind::kBool,
     .member = &GcConfig::busy_poll,
     .reload = Reload::kLive},
};

constexpr Field<StateConfig> kStateFields[] = {
    {.key = "key_ttl",
     .kind = Kind::kDuration,
     .member = &StateConfig::key_ttl,
     .min = ns(milliseconds(1))},
    {.key = "max_keys", .kind = Kind::kCount, .member = &StateConfig::max_keys, .min = 1},
};

static_assert(rows_consistent<InputConfig>(kInputFields));
static_assert(rows_consistent<EventsConfig>(kEventsFields));
static_assert(rows_consistent<MetricsConfig>(kMetricsFields));
static_assert(rows_consistent<LogConfig>(kLogFields));
static_assert(rows_consistent<GcConfig>(kGcFields));
static_assert(rows_consistent<StateConfig>(kStateFields));

// A section that is one struct: `gc:` with every key commented out (a null value) keeps the
// defaults, as an absent section does.
template <class S>
void decode_struct(const Entry& entry, std::span<const Field<S>> fields, DecodeContext& ctx,
                   S& out) {
  if (entry.value.IsNull()) return;
  if (!entry.value.IsMap()) {
    ctx.error(entry.value_position, entry.path,
              "expected a map of " + entry.key + " settings, got " + describe(entry.value));
    return;
  }
  decode_fields(entry.value, entry.path, entry.key_position, fields, ctx, out);
}

template <class S>
void emit_struct(std::string_view key, const S& section, std::span<const Field<S>> fields,
                 std::string& out) {
  out += std::string(key) + ":\n";
  emit_fields(section, fields, "  ", "  ", out);
}

// An `inputs:` list replaces the default inputs; `inputs:` with nothing keeps them. An item
// that cannot be decoded is kept with defaults and marked failed, so that inputs[i] in the
// checks across inputs is still the i-th item of the file.
void decode_inputs(const Entry& entry, DecodeContext& ctx, Config& config) {
  if (entry.value.IsNull()) return;
  if (!entry.value.IsSequence()) {
    ctx.error(
        entry.value_position, entry.path,
        "expected a list of inputs (items like \"- type: tcp\"), got " + describe(entry.value));
    return;
  }
  config.inputs.clear();
  std::size_t index = 0;
  for (const YAML::Node& item : entry.value) {
    const std::string path = index_path(entry.path, index++);
    const Position where = item.IsNull() ? entry.key_position : position_of(item);
    ctx.mark_set(path, where);
    InputConfig input;
    if (!item.IsMap()) {
      ctx.error(where, path,
                "expected an input: a map like \"{type: tcp, listen: 127.0.0.1:7400}\", got " +
                    describe(item));
      ctx.mark_failed(path);
    } else if (!decode_fields(item, path, where, input_fields(), ctx, input)) {
      ctx.mark_failed(path);
    }
    if (input.name.empty()) input.name = std::string(to_string(input.type));
    config.inputs.push_back(std::move(input));
  }
}

void emit_inputs(const Config& config, std::string& out) {
  if (config.inputs.empty()) {
    out += "inputs: []\n";
    return;
  }
  out += "inputs:\n";
  for (const InputConfig& input : config.inputs) {
    emit_fields(input, input_fields(), "  - ", "    ", out);
  }
}

constexpr Section kSections[] = {
    {"inputs", decode_inputs, emit_inputs},
    {"events",
     [](const Entry& e, DecodeContext& ctx, Config& c) {
       decode_struct(e, events_fields(), ctx, c.events);
     },
     [](const Config& c, std::string& out) {
       emit_struct("events", c.events, events_fields(), out);
     }},
    {"metrics",
     [](const Entry& e, DecodeContext& ctx, Config& c) {
       decode_struct(e, metrics_fields(), ctx, c.metrics);
     },
     [](const Config& c, std::string& out) {
       emit_struct("metrics", c.metrics, metrics_fields(), out);
     }},
    {"log",
     [](const Entry& e, DecodeContext& ctx, Config& c) {
       decode_struct(e, log_fields(), ctx, c.log);
     },
     [](const Config& c, std::string& out) { emit_struct("log", c.log, log_fields(), out); }},
    {"gc",
     [](const Entry& e, DecodeContext& ctx, Config& c) {
       decode_struct(e, gc_fields(), ctx, c.gc);
     },
     [](const Config& c, std::string& out) { emit_struct("gc", c.gc, gc_fields(), out); }},
    {"state",
     [](const Entry& e, DecodeContext& ctx, Config& c) {
       decode_struct(e, state_fields(), ctx, c.state);
     },
     [](const Config& c, std::string& out) { emit_struct("state", c.state, state_fields(), out); }},
    {"actions", decode_actions, emit_actions},
    {"rules", decode_rules, emit_rules},
};

template <class S>
void add_keys(std::string_view section, std::span<const Field<S>> fields,
              std::vector<KeyInfo>& out) {
  for (const Field<S>& field : fields) {
    std::string text = format_field(field, S{});
    if (text == "\"\"" || field.required || field.missing != nullptr) text.clear();
    out.push_back({std::string(section) + "." + std::string(field.key), field.kind, field.reload,
                   std::move(text)});
  }
}

}  // namespace

std::span<const Field<InputConfig>> input_fields() {
  return kInputFields;
}
std::span<const Field<EventsConfig>> events_fields() {
  return kEventsFields;
}
std::span<const Field<MetricsConfig>> metrics_fields() {
  return kMetricsFields;
}
std::span<const Field<LogConfig>> log_fields() {
  return kLogFields;
}
std::span<const Field<GcConfig>> gc_fields() {
  return kGcFields;
}

std::span<const Field<StateConfig>> state_fields() {
  return kStateFields;
}

std::span<const Section> sections() {
  return kSections;
}

std::vector<std::string_view> section_keys() {
  std::vector<std::string_view> keys;
  for (const Section& section : kSections) keys.push_back(section.key);
  return keys;
}

std::vector<KeyInfo> key_table() {
  std::vector<KeyInfo> keys;
  add_keys("inputs[]", input_fields(), keys);
  add_keys("events", events_fields(), keys);
  add_keys("metrics", metrics_fields(), keys);
  add_keys("log", log_fields(), keys);
  add_keys("gc", gc_fields(), keys);
  add_keys("state", state_fields(), keys);
  add_keys("actions.<name>", action_fields(), keys);
  add_keys("rules[]", rule_fields(), keys);
  return keys;
}

}  // namespace lull::config::internal
