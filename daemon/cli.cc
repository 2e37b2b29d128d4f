// cli.cc: accepts "--option value" and "--option=value" forms.
#include "daemon/cli.h"

namespace lull::daemon {

const char kUsage[] =
    "usage: lulld [--config FILE] [--check-config] [--print-config] [--log-level LEVEL]\n"
    "             [--version] [--help]\n"
    "\n"
    "  -c, --config FILE   read the configuration from FILE (default: the built-in config)\n"
    "      --check-config  validate the configuration, print its errors, exit 0 or 1\n"
    "      --print-config  print the built-in config (or, with --config, the effective one)\n"
    "      --log-level L   trace, debug, info, warn, error, critical or off\n"
    "  -V, --version       print the version\n"
    "  -h, --help          print this help\n";

ParsedCommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine result;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    auto flag = [&](bool& field) {
      if (inline_value) return false;
      field = true;
      return true;
    };
    bool ok = true;
    if (arg == "-c" || arg == "--config") {
      result.config_path = value();
      ok = result.config_path.has_value();
    } else if (arg == "--log-level") {
      result.log_level = value();
      ok = result.log_level.has_value();
    } else if (arg == "--check-config") {
      ok = flag(result.check_config);
    } else if (arg == "--print-config") {
      ok = flag(result.print_config);
    } else if (arg == "-V" || arg == "--version") {
      ok = flag(result.version);
    } else if (arg == "-h" || arg == "--help") {
      ok = flag(result.help);
    } else {
      return {std::nullopt, "unknown option '" + args[i] + "'"};
    }
    if (!ok) {
      return {std::nullopt, inline_value ? "option '" + arg + "' takes no value"
                                         : "option '" + arg + "' needs a value"};
    }
  }
  if (result.check_config && result.print_config) {
    return {std::nullopt, "--check-config and --print-config cannot be combined"};
  }
  return {result, ""};
}

}  // namespace lull::daemon
