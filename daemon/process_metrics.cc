// process_metrics.cc: /proc/self readers. A file that cannot be read drops its families
// from the scrape rather than reporting a made-up zero.
#include "daemon/process_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace lull::daemon {
namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {std::move(name), std::move(help), type, {metric}};
}

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Stat {
  double cpu_seconds;
  double start_seconds_after_boot;
  double virtual_bytes;
};

// /proc/self/stat: field 2 (comm) may hold spaces and parentheses, so fields are counted
// from the last ')'. Fields 14/15 are utime/stime, 22 starttime (clock ticks), 23 vsize.
std::optional<Stat> read_stat() {
  auto text = read_file("/proc/self/stat");
  if (!text) return std::nullopt;
  auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text->substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, starttime = 0, vsize = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) stime = std::stod(field);
    if (index == 22) starttime = std::stod(field);
    if (index == 23) {
      vsize = std::stod(field);
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      return Stat{(utime + stime) / ticks, starttime / ticks, vsize};
    }
  }
  return std::nullopt;
}

std::optional<double> boot_time_seconds() {
  auto text = read_file("/proc/stat");
  if (!text) return std::nullopt;
  auto at = text->find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text->substr(at + 7));
}

std::optional<double> resident_bytes() {
  auto text = read_file("/proc/self/statm");
  if (!text) return std::nullopt;
  std::istringstream fields(*text);
  double size_pages = 0, resident_pages = 0;
  if (!(fields >> size_pages >> resident_pages)) return std::nullopt;
  return resident_pages * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::optional<double> open_fds() {
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/self/fd", error);
  if (error) return std::nullopt;
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return std::nullopt;
    ++count;
  }
  return count - 1;  // the iterator's own descriptor is listed too
}

std::optional<double> max_fds() {
  auto text = read_file("/proc/self/limits");
  if (!text) return std::nullopt;
  auto at = text->find("Max open files");
  if (at == std::string::npos) return std::nullopt;
  std::istringstream fields(text->substr(at + 14));
  std::string soft;
  if (!(fields >> soft) || soft == "unlimited") return std::nullopt;
  return std::stod(soft);
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  if (auto stat = read_stat()) {
    families.push_back(family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in seconds.",
                              MetricType::Counter, stat->cpu_seconds));
    families.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                              MetricType::Gauge, stat->virtual_bytes));
    if (auto boot = boot_time_seconds()) {
      families.push_back(family("process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.",
                                MetricType::Gauge, *boot + stat->start_seconds_after_boot));
    }
  }
  if (auto rss = resident_bytes()) {
    families.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                              MetricType::Gauge, *rss));
  }
  if (auto fds = open_fds()) {
    families.push_back(
        family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *fds));
  }
  if (auto limit = max_fds()) {
    families.push_back(family("process_max_fds", "Maximum number of open file descriptors.",
                              MetricType::Gauge, *limit));
  }
  return families;
}

}  // namespace lull::daemon
