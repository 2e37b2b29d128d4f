// cli.h: lulld's command line. Parsing is separate from acting on it so tests can check
// every option and error without starting a daemon.
#pragma once

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
};

struct ParsedCommandLine {
  std::optional<CommandLine> command_line;
  std::string error;  // set when command_line is empty
};

ParsedCommandLine parse_command_line(const std::vector<std::string>& args);

extern const char kUsage[];

}  // namespace lull::daemon
