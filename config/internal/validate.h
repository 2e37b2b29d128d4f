// validate.h: the checks across keys that no single row of the settings table can make
// (gc limits in order, unique input and rule names, no two listeners on one address, rules
// naming defined actions, ...). Each reports at a key the file set, preferring the later of
// two, and skips keys whose value was already rejected (they hold defaults the user did not
// write).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/internal/yaml_walk.h"

namespace lull::config::internal {

void validate(const Config& config, DecodeContext& ctx);

// The rules' and actions' checks (validate_rules.cc), run by validate().
void check_rules_and_actions(const Config& config, DecodeContext& ctx);

// Where to report a problem between keys `a` and `b`: the one the file set later; else the
// one it set; else the section of `a`; else nowhere.
struct Spot {
  std::string path;
  Position where;
  bool at_a = true;
};
Spot locate(const DecodeContext& ctx, const std::string& a, const std::string& b);

// NATS names, shared by the jetstream input and action checks: a stream name (letters,
// digits, '-', '_'), a subject with no wildcard and no empty token, and nats:// server URLs
// (each bad one reported at its item of the list at `path`).
bool is_stream_name(std::string_view name);
bool is_literal_subject(std::string_view subject);
void check_server_urls(const std::vector<std::string>& servers, const std::string& path,
                       DecodeContext& ctx);

}  // namespace lull::config::internal
