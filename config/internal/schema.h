// schema.h: lull's settings table, in the spirit of Redis's config.c: one row per key (kind,
// bounds, reload behaviour; the default is the struct's in config.h), and one row per top-level
// section with its decoder and printer. Adding a section (rules:, actions:, state:) takes a
// struct in config.h, a field table in schema.cc, and one row in sections().
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

struct Section {
  std::string_view key;
  // Decodes the value of the section's top-level entry into `config`.
  void (*decode)(const Entry& entry, DecodeContext& ctx, Config& config);
  // Appends the section as normalized YAML, key line included.
  void (*emit)(const Config& config, std::string& out);
};

// In the order to_yaml() prints them.
std::span<const Section> sections();
std::vector<std::string_view> section_keys();

// One row of the table flattened for documentation and tests: "gc.quantum", "inputs[].listen".
struct KeyInfo {
  std::string path;
  Kind kind;
  Reload reload;
  std::string default_text;  // as to_yaml prints it; empty for an input's name (its type)
};
std::vector<KeyInfo> key_table();

}  // namespace lull::config::internal
