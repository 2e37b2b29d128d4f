// main.cc: lulld's entry point: command line, configuration, logging, then the daemon.
// Exit status: 0 clean stop, valid config or --nats-setup done, 1 invalid config, start-up
// failure or --nats-setup refused or failed, 2 bad command line.
#include <cstdio>
#include <exception>
#include <iostream>

#include <spdlog/spdlog.h>

#include "config/loader.h"
#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"
#include "daemon/nats_setup_command.h"
#include "daemon/version.h"

namespace {

using namespace lull;

config::LoadResult load(const daemon::CommandLine& command_line) {
  if (command_line.config_path) return config::load_config_file(*command_line.config_path);
  return config::load_default_config();
}

int run(const daemon::CommandLine& command_line) {
  if (command_line.help) {
    std::cout << daemon::kUsage;
    return 0;
  }
  if (command_line.version) {
    std::cout << "lulld " << daemon::kVersion << "\n";
    return 0;
  }
  if (command_line.print_config && !command_line.config_path) {
    std::cout << config::default_config_text();
    return 0;
  }
  auto loaded = load(command_line);
  for (const auto& error : loaded.errors) std::cerr << error.to_string() << "\n";
  if (!loaded.config) return 1;
  if (command_line.check_config) {
    std::cout << command_line.config_path.value_or(std::string(config::kBuiltinConfigName))
              << ": OK\n";
    return 0;
  }
  if (command_line.print_config) {
    std::cout << config::to_yaml(*loaded.config);
    return 0;
  }
  if (command_line.nats_setup) {
    return daemon::run_nats_setup(*loaded.config, command_line, std::cout, std::cerr);
  }

  std::string level_name = command_line.log_level.value_or(loaded.config->log.level);
  auto level = daemon::parse_log_level(level_name);
  if (!level) {
    std::cerr << "lulld: unknown log level '" << level_name << "'\n";
    return 2;
  }
  daemon::setup_logging(*level);
  try {
    daemon::Daemon lulld(*loaded.config, {command_line.config_path, command_line.log_level});
    return lulld.run();
  } catch (const std::exception& error) {
    spdlog::critical("cannot start: {}", error.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = daemon::parse_command_line({argv + 1, argv + argc});
  if (!parsed.command_line) {
    std::cerr << "lulld: " << parsed.error << "\n" << daemon::kUsage;
    return 2;
  }
  return run(*parsed.command_line);
}
