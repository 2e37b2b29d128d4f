// cli.cc: accepts "--option value" and "--option=value" forms.
#include "daemon/cli.h"

#include "config/units.h"

namespace lull::daemon {

const char kUsage[] =
    "usage: lulld [--config FILE] [--check-config] [--print-config] [--log-level LEVEL]\n"
    "             [--version] [--help]\n"
    "       lulld --config FILE --nats-setup [--replicas N] [--max-age DURATION]\n"
    "             [--lease-ttl DURATION]\n"
    "\n"
    "  -c, --config FILE   read the configuration from FILE (default: the built-in config)\n"
    "      --check-config  validate the configuration, print its errors, exit 0 or 1\n"
    "      --print-config  print the built-in config (or, with --config, the effective one)\n"
    "      --log-level L   trace, debug, info, warn, error, critical or off\n"
    "  -V, --version       print the version\n"
    "  -h, --help          print this help\n"
    "\n"
    "      --nats-setup    create the JetStream streams <stream_prefix>_0..P-1 and the KV\n"
    "                      buckets for the config's jetstream input, print them and the\n"
    "                      nats-server mappings stanza, exit 0 (1 if what exists differs)\n"
    "      --replicas N    stream and bucket replicas, 1 to 5 (default 1)\n"
    "      --max-age D     stream retention (default: the longest rule window, cooldown or\n"
    "                      timeout + replay_slack + lease TTL + 15m, at least 1h)\n"
    "      --lease-ttl D   TTL of the members and leases buckets (default 10s)\n";

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
    // A positive duration for `option`, or an error message.
    auto duration = [&](std::optional<std::chrono::nanoseconds>& field) -> std::string {
      auto text = value();
      if (!text) return "option '" + arg + "' needs a value";
      auto parsed = config::parse_duration(*text);
      if (!parsed) {
        return "option '" + arg + "' expects a duration like \"2h\"" +
               (parsed.error.empty() ? "" : "; " + parsed.error);
      }
      if (parsed.value->count() <= 0) return "option '" + arg + "' must be more than 0";
      field = *parsed.value;
      return "";
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
    } else if (arg == "--nats-setup") {
      ok = flag(result.nats_setup);
    } else if (arg == "--replicas") {
      auto text = value();
      if (!text) return {std::nullopt, "option '--replicas' needs a value"};
      auto parsed = config::parse_count(*text);
      if (!parsed || *parsed.value < 1 || *parsed.value > 5) {
        return {std::nullopt, "option '--replicas' expects 1 to 5, got " + config::quoted(*text)};
      }
      result.replicas = static_cast<int>(*parsed.value);
    } else if (arg == "--max-age" || arg == "--lease-ttl") {
      auto error = duration(arg == "--max-age" ? result.max_age : result.lease_ttl);
      if (!error.empty()) return {std::nullopt, error};
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
  if (result.nats_setup) {
    if (result.check_config || result.print_config) {
      return {std::nullopt, std::string(result.check_config ? "--check-config" : "--print-config") +
                                " and --nats-setup cannot be combined"};
    }
    if (!result.config_path) {
      return {std::nullopt,
              "--nats-setup needs --config FILE (the config with the jetstream input)"};
    }
  } else {
    for (auto [given, name] : {std::pair{result.replicas.has_value(), "--replicas"},
                               std::pair{result.max_age.has_value(), "--max-age"},
                               std::pair{result.lease_ttl.has_value(), "--lease-ttl"}}) {
      if (given) return {std::nullopt, std::string(name) + " is only valid with --nats-setup"};
    }
  }
  return {result, ""};
}

}  // namespace lull::daemon
