// logging.cc: the journal-aware pattern and its "<N>" priority flag.
#include "daemon/logging.h"

#include <cstdlib>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace lull::daemon {
namespace {

// %J: the sd-daemon(3) prefix that tells journald a line's priority.
class JournalPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    static constexpr const char* kPrefix[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const char* prefix = kPrefix[static_cast<int>(message.level)];
    out.append(prefix, prefix + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriorityFlag>();
  }
};

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  for (int level = spdlog::level::trace; level < spdlog::level::n_levels; ++level) {
    auto value = static_cast<spdlog::level::level_enum>(level);
    if (spdlog::level::to_string_view(value) == name) return value;
  }
  // spdlog calls it "warning" and "err" too; lull's config speaks of warn and error.
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return std::nullopt;
}

void setup_logging(spdlog::level::level_enum level) {
  auto logger =
      std::make_shared<spdlog::logger>("lulld", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  const char* journal = std::getenv("JOURNAL_STREAM");
  if (journal != nullptr && *journal != '\0') {
    formatter->add_flag<JournalPriorityFlag>('J').set_pattern("%J%v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace lull::daemon
