// cli.h: lulld's command line. Parsing is separate from acting on it so tests can check
// every option and error without starting a daemon.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace lull::daemon {

struct CommandLine {
  std::optional<std::string> config_path;  // none: the built-in default config
  std::optional<std::string> log_level;    // overrides log.level
  bool check_config = false;
  bool print_config = false;
  bool version = false;
  bool help = false;
  // --nats-setup: create the JetStream side of the deployment described by --config's
  // jetstream input, print what was done and the server's mappings stanza, then exit
  // (daemon/nats_setup_command.h). The three options below are only accepted with it;
  // unset, they take the defaults documented there.
  bool nats_setup = false;
  std::optional<int> replicas;                        // --replicas N, 1..5
  std::optional<std::chrono::nanoseconds> max_age;    // --max-age DURATION, > 0
  std::optional<std::chrono::nanoseconds> lease_ttl;  // --lease-ttl DURATION, > 0
};

struct ParsedCommandLine {
  std::optional<CommandLine> command_line;
  std::string error;  // set when command_line is empty
};

ParsedCommandLine parse_command_line(const std::vector<std::string>& args);

extern const char kUsage[];

}  // namespace lull::daemon
