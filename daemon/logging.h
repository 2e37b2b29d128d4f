// logging.h: spdlog set-up for lulld. Logs go to stderr. Under systemd (JOURNAL_STREAM is
// set) each line starts with a "<N>" syslog priority that journald reads, and carries no
// timestamp of its own, since the journal stamps every line already.
#pragma once

#include <optional>
#include <string_view>

#include <spdlog/common.h>

namespace lull::daemon {

// "trace", "debug", "info", "warn", "error", "critical", "off"; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

void setup_logging(spdlog::level::level_enum level);

}  // namespace lull::daemon
