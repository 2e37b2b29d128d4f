// schema.h: lull's settings table, in the spirit of Redis's config.c: one row per key (kind,
// bounds, reload behaviour; the default is the struct's in config.h), and one row per top-level
// section with its decoder and printer. Adding a section takes a struct in config.h, a field
// table in schema.cc (rules and actions: schema_rules.cc), and one row in sections().
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/internal/fields.h"
#include "config/internal/yaml_walk.h"

namespace lull::config::internal {

std::span<const Field<InputConfig>> input_fields();
std::span<const Field<EventsConfig>> events_fields();
std::span<const Field<MetricsConfig>> metrics_fields();
std::span<const Field<LogConfig>> log_fields();
std::span<const Field<GcConfig>> gc_fields();
std::span<const Field<StateConfig>> state_fields();
std::span<const Field<RuleConfig>> rule_fields();      // schema_rules.cc
std::span<const Field<ActionConfig>> action_fields();  // schema_rules.cc

struct Section {
  std::string_view key;
  // Decodes the value of the section's top-level entry into `config`.
  void (*decode)(const Entry& entry, DecodeContext& ctx, Config& config);
  // Appends the section as normalized YAML, key line included.
  void (*emit)(const Config& config, std::string& out);
};

// The `rules:` list and the `actions:` map, in schema_rules.cc.
void decode_rules(const Entry& entry, DecodeContext& ctx, Config& config);
void emit_rules(const Config& config, std::string& out);
void decode_actions(const Entry& entry, DecodeContext& ctx, Config& config);
void emit_actions(const Config& config, std::string& out);

// In the order to_yaml() prints them.
std::span<const Section> sections();
std::vector<std::string_view> section_keys();

// One row of the table flattened for documentation and tests: "gc.quantum", "inputs[].listen",
// "rules[].window", "actions.<name>.queue".
struct KeyInfo {
  std::string path;
  Kind kind;
  Reload reload;
  // As to_yaml prints it; empty where there is none: an input's name (its type), a rule's key
  // (events.key_field), unset numbers, and keys that are required (where they apply).
  std::string default_text;
};
std::vector<KeyInfo> key_table();

}  // namespace lull::config::internal
