// options.cc: parsing of lull-ticks' command line; see options.h.
#include "bench/ticks/options.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string_view>

#include "bench/ticks/loopback.h"

namespace lull::bench {
namespace {

constexpr const char* kUsage = R"(usage: lull-ticks [options]
       lull-ticks free-ports N   (prints N free 127.0.0.1 ports, below the ephemeral range)
Drives lulld with the ticks workload (open-loop) and scores its price-jump actions.
  --rate R             events/s (50000)          --keys K          keys (10000)
  --warmup S           seconds not scored (60)   --duration S      scored seconds (180)
  --seed N             (1)                       --jump-fraction F share of jumps (0.005)
  --transport tcp|udp|nats  (tcp; nats when --nats is given)
  --batch N            events a write/datagram (64)
  --send-interval-us U at most one write per U us (0: each time an event is due)
  --window S           the rule's window (60)    --min-events N    (10)
  --threshold F        (0.05)
  --events HOST:PORT   lulld's input (127.0.0.1:7400)
  --sink HOST:PORT     where to listen for actions (127.0.0.1:7500)
  --metrics HOST:PORT  lulld's /metrics, scraped every second (none)
  --connect-timeout S  wait for lulld to connect to the sink (30)
  --drain-timeout S    wait for the last expected actions (10)
  --csv FILE           one row a second    --percentiles FILE  latency distribution (scored)
  --summary FILE       key=value totals    --quiet             no progress lines
  --final-metrics FILE lulld's /metrics page after the drain
  --lulld-pid PID      report lulld's main thread's CPU time and run-queue wait a second
NATS JetStream (events published with a PubAck, Nats-Msg-Id <seed>-<start ns>-<seq>):
  --nats nats://127.0.0.1:PORT  the server; events go there unless --transport tcp|udp
  --nats-subject S     each event goes to S.<key> (ticks)
  --nats-max-pending N publishes not acked yet, retries included, before sending waits (4096)
  --nats-ack-timeout S a publish not acked within S is sent again (1)
  --nats-retry-for S   retry a timed-out or unanswered ("no responders") publish for up to S
                       seconds from its first attempt, then count it failed (30)
  --actions-stream NAME  read lulld's actions from this stream (subjects lull.actions.>,
                       created in memory if missing) instead of listening on --sink
  --produce-only       no sink and no action check: send the events, wait for their acks
Exit status: 0 when every expected action came exactly once and nothing else did (with
--produce-only: every event was sent, and acked); 1 if not; 2 for a bad command line or a
failure to start.
)";

bool parse_endpoint(const std::string& text, Endpoint& endpoint) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  const long port = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  endpoint.host = text.substr(0, colon);
  if (port <= 0 || port > 65535 || !is_loopback(endpoint.host)) return false;
  endpoint.port = static_cast<std::uint16_t>(port);
  return true;
}

// nats://HOST:PORT with a loopback HOST.
bool parse_nats_url(const std::string& text, std::string& url) {
  constexpr std::string_view kScheme = "nats://";
  if (text.compare(0, kScheme.size(), kScheme) != 0) return false;
  Endpoint endpoint;
  if (!parse_endpoint(text.substr(kScheme.size()), endpoint)) return false;
  url = text;
  return true;
}

// A subject prefix of tokens: no wildcard, no whitespace, no empty token.
bool valid_subject(const std::string& subject) {
  if (subject.empty() || subject.front() == '.' || subject.back() == '.') return false;
  if (subject.find("..") != std::string::npos) return false;
  return subject.find_first_of("*> \t\r\n") == std::string::npos;
}

bool parse_number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0';
}

}  // namespace

std::optional<TicksOptions> parse_options(int argc, char** argv, int& exit_code) {
  TicksOptions o;
  auto number = [](double& target, double low, double high) {
    return [&target, low, high](const std::string& text) {
      double value;
      if (!parse_number(text, value) || value < low || value > high) return false;
      target = value;
      return true;
    };
  };
  auto integer = [](auto& target, double low, double high) {
    return [&target, low, high](const std::string& text) {
      double value;
      if (!parse_number(text, value) || value < low || value > high || value != std::floor(value)) {
        return false;
      }
      target = static_cast<std::remove_reference_t<decltype(target)>>(value);
      return true;
    };
  };
  auto text = [](std::string& target) {
    return [&target](const std::string& value) {
      target = value;
      return !value.empty();
    };
  };
  auto endpoint = [](Endpoint& target) {
    return [&target](const std::string& value) { return parse_endpoint(value, target); };
  };
  bool transport_given = false;
  const std::map<std::string, std::function<bool(const std::string&)>> takes_value{
      {"--rate", number(o.rate, 1, 10'000'000)},
      {"--keys", integer(o.keys, 1, 10'000'000)},
      {"--warmup", number(o.warmup_s, 0, 86'400)},
      {"--duration", number(o.duration_s, 0.1, 86'400)},
      {"--seed", integer(o.seed, 0, 9e15)},
      {"--jump-fraction", number(o.jump_fraction, 0, 1)},
      {"--transport",
       [&o, &transport_given](const std::string& value) {
         o.udp = value == "udp";
         o.nats = value == "nats";
         transport_given = true;
         return value == "udp" || value == "tcp" || value == "nats";
       }},
      {"--batch", integer(o.batch_max, 1, 10'000)},
      {"--send-interval-us", number(o.send_interval_us, 0, 1e6)},
      {"--window", number(o.window_s, 0.001, 86'400)},
      {"--min-events", integer(o.min_events, 1, 1e9)},
      {"--threshold", number(o.threshold, 0, 100)},
      {"--events", endpoint(o.events)},
      {"--sink", endpoint(o.sink)},
      {"--metrics", endpoint(o.metrics)},
      {"--connect-timeout", number(o.connect_timeout_s, 0, 3600)},
      {"--drain-timeout", number(o.drain_timeout_s, 0, 3600)},
      {"--csv", text(o.csv_path)},
      {"--percentiles", text(o.percentiles_path)},
      {"--summary", text(o.summary_path)},
      {"--final-metrics", text(o.final_metrics_path)},
      {"--lulld-pid", integer(o.lulld_pid, 1, 1e9)},
      {"--nats", [&o](const std::string& value) { return parse_nats_url(value, o.nats_url); }},
      {"--nats-subject",
       [&o](const std::string& value) {
         o.nats_subject = value;
         return valid_subject(value);
       }},
      {"--nats-max-pending", integer(o.nats_max_pending, 1, 1e7)},
      {"--nats-ack-timeout", number(o.nats_ack_timeout_s, 0.001, 3600)},
      {"--nats-retry-for", number(o.nats_retry_for_s, 0, 86'400)},
      {"--actions-stream",
       [&o](const std::string& value) {
         o.actions_stream = value;
         return !value.empty() && value.find_first_of(".*> \t\r\n") == std::string::npos;
       }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    }
    if (arg == "--quiet") {
      o.progress = false;
      continue;
    }
    if (arg == "--produce-only") {
      o.produce_only = true;
      continue;
    }
    if (const auto equals = arg.find('='); equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg.resize(equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    }
    const auto option = takes_value.find(arg);
    if (option == takes_value.end() || !option->second(value)) {
      std::fprintf(stderr, "lull-ticks: bad option %s %s (addresses must be 127.x.x.x)\n%s",
                   arg.c_str(), value.c_str(), kUsage);
      exit_code = 2;
      return std::nullopt;
    }
  }
  if (!transport_given && !o.nats_url.empty()) o.nats = true;
  if (o.nats_url.empty() && (o.nats || !o.actions_stream.empty())) {
    std::fprintf(stderr, "lull-ticks: --transport nats and --actions-stream need --nats URL\n");
    exit_code = 2;
    return std::nullopt;
  }
  if (o.produce_only && !o.actions_stream.empty()) {
    std::fprintf(stderr, "lull-ticks: --produce-only reads no actions (--actions-stream)\n");
    exit_code = 2;
    return std::nullopt;
  }
  return o;
}

}  // namespace lull::bench
