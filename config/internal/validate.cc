// validate.cc: checks across keys, run after every section is decoded. The rules:
//   gc.soft_limit < gc.hard_limit, gc.min_trigger <= gc.soft_limit and
//   gc.nursery <= gc.hard_limit / 4 (when there is a hard limit: 0 means none);
//   gc.mode off needs a hard limit; input names are unique; no two listeners of one protocol
//   (metrics is tcp) share an address, where 0.0.0.0 and [::] overlap every host on their port;
//   a jetstream input's owned partitions are below its partitions, its stream prefix and
//   subject are names NATS takes, its servers are nats:// URLs, and there is at most one.
//   The rules' and actions' checks are in validate_rules.cc.
#include "config/internal/validate.h"

#include <optional>

#include "config/units.h"

namespace lull::config::internal {
namespace {

// The position of an input's key, or of the input's item when the key is not written.
Position input_spot(const DecodeContext& ctx, const std::string& item, std::string_view key) {
  if (auto where = ctx.where_set(join_path(item, key))) return *where;
  return ctx.where_set(item).value_or(Position{});
}

void check_gc(const GcConfig& gc, DecodeContext& ctx) {
  auto usable = [&](std::string_view key) { return !ctx.failed(join_path("gc", key)); };
  auto report = [&](const std::string& a, const std::string& b, const std::string& message_at_a,
                    const std::string& message_at_b) {
    Spot spot = locate(ctx, a, b);
    ctx.error(spot.where, spot.path, spot.at_a ? message_at_a : message_at_b);
  };
  const bool limited = gc.hard_limit != 0;
  if (limited && usable("soft_limit") && usable("hard_limit") && gc.soft_limit >= gc.hard_limit) {
    report("gc.soft_limit", "gc.hard_limit",
           "must be below gc.hard_limit (" + format_size(gc.hard_limit) + "), got " +
               format_size(gc.soft_limit),
           "must be above gc.soft_limit (" + format_size(gc.soft_limit) + "), got " +
               format_size(gc.hard_limit));
  }
  if (usable("min_trigger") && usable("soft_limit") && gc.min_trigger > gc.soft_limit) {
    report("gc.min_trigger", "gc.soft_limit",
           "must be at most gc.soft_limit (" + format_size(gc.soft_limit) + "), got " +
               format_size(gc.min_trigger),
           "must be at least gc.min_trigger (" + format_size(gc.min_trigger) + "), got " +
               format_size(gc.soft_limit));
  }
  // A nursery of more than a quarter of the heap leaves too little room to promote into.
  if (limited && usable("nursery") && usable("hard_limit") && gc.nursery > gc.hard_limit / 4) {
    report("gc.nursery", "gc.hard_limit",
           "must be at most a quarter of gc.hard_limit (" + format_size(gc.hard_limit) + "), got " +
               format_size(gc.nursery),
           "must be at least 4 times gc.nursery (" + format_size(gc.nursery) + "), got " +
               format_size(gc.hard_limit));
  }
  if (!limited && gc.mode == GcMode::kOff && usable("mode") && usable("hard_limit")) {
    report("gc.mode", "gc.hard_limit",
           "off never collects, so it needs a gc.hard_limit (0 means none), like \"2GiB\"",
           "must not be 0 (no limit) with gc.mode off, which never collects");
  }
}

bool is_v6(const std::string& host) {
  return host.find(':') != std::string::npos;
}

// Whether two sockets of one protocol could not both bind. Port 0 asks for a free port.
bool clash(const Address& a, const Address& b) {
  if (a.port != b.port || a.port == 0) return false;
  if (a.host == b.host || a.host == "::" || b.host == "::") return true;
  return (a.host == "0.0.0.0" && !is_v6(b.host)) || (b.host == "0.0.0.0" && !is_v6(a.host));
}

// "inputs[0] already listens on tcp 127.0.0.1:7400", or the overlap form for a wildcard.
std::string clash_message(std::string_view protocol, const Address& mine, std::string_view other,
                          const Address& theirs) {
  if (mine == theirs) {
    return std::string(other) + " already listens on " + std::string(protocol) + " " +
           theirs.to_string();
  }
  return std::string(protocol) + " " + mine.to_string() + " overlaps " + std::string(other) +
         ", which listens on " + std::string(protocol) + " " + theirs.to_string();
}

void check_jetstream(const InputConfig& input, const std::string& item, DecodeContext& ctx) {
  auto usable = [&](std::string_view key) { return !ctx.failed(join_path(item, key)); };
  auto report = [&](std::string_view key, std::string message) {
    const std::string path = join_path(item, key);
    ctx.error(ctx.where_value(path).value_or(input_spot(ctx, item, key)), path, std::move(message));
  };
  if (usable("owned") && usable("partitions")) {
    for (std::size_t partition : input.owned) {
      if (partition >= input.partitions) {
        report("owned", "partition " + std::to_string(partition) + " does not exist: partitions " +
                            "are numbered 0 to " + std::to_string(input.partitions - 1));
      }
    }
  }
  if (usable("servers")) check_server_urls(input.servers, join_path(item, "servers"), ctx);
  if (usable("stream_prefix") && !is_stream_name(input.stream_prefix)) {
    report("stream_prefix",
           "expected letters, digits, '-' and '_' only (a JetStream stream name), got \"" +
               input.stream_prefix + "\"");
  }
  if (usable("instance") && !input.instance.empty() &&
      (!is_stream_name(input.instance) || input.instance.size() > 64)) {
    report("instance", "expected up to 64 letters, digits, '-' and '_' (a KV key), got \"" +
                           input.instance + "\"");
  }
  if (usable("subject") && !is_literal_subject(input.subject)) {
    report("subject", "expected a NATS subject without wildcards, like \"ticks\" or " +
                          std::string("\"market.ticks\", got \"") + input.subject + "\"");
  }
}

void check_inputs(const Config& config, DecodeContext& ctx) {
  const auto& inputs = config.inputs;
  auto usable = [&](std::size_t i, std::string_view key) {
    const std::string item = index_path("inputs", i);
    return !ctx.failed(item) && !ctx.failed(join_path(item, key));
  };
  std::optional<std::size_t> first_jetstream;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string item = index_path("inputs", i);
    if (inputs[i].type == InputType::kJetStream && !ctx.failed(item)) {
      check_jetstream(inputs[i], item, ctx);
      if (first_jetstream) {
        ctx.error(ctx.where_set(item).value_or(Position{}), item,
                  "only one jetstream input is supported; " +
                      index_path("inputs", *first_jetstream) + " is one");
      }
      first_jetstream = i;
    }
    for (std::size_t j = 0; j < i; ++j) {
      const std::string other = index_path("inputs", j);
      if (usable(i, "name") && usable(j, "name") && inputs[i].name == inputs[j].name) {
        std::string message = "input name \"" + inputs[i].name + "\" is already used by " + other +
                              "; give each input its own name";
        if (!ctx.where_set(join_path(item, "name"))) {
          message += " (an input without a name is named after its type)";
        }
        ctx.error(input_spot(ctx, item, "name"), join_path(item, "name"), std::move(message));
      }
      if (usable(i, "listen") && usable(j, "listen") && inputs[i].type == inputs[j].type &&
          inputs[i].type != InputType::kJetStream && clash(inputs[i].listen, inputs[j].listen)) {
        ctx.error(
            input_spot(ctx, item, "listen"), join_path(item, "listen"),
            clash_message(to_string(inputs[i].type), inputs[i].listen, other, inputs[j].listen));
      }
    }
  }
  // The metrics page is served over tcp, so it must not share an address with a tcp input.
  const MetricsConfig& metrics = config.metrics;
  if (!metrics.enabled || ctx.failed("metrics.listen")) return;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string item = index_path("inputs", i);
    if (inputs[i].type != InputType::kTcp || !usable(i, "listen") ||
        !clash(metrics.listen, inputs[i].listen)) {
      continue;
    }
    if (auto where = ctx.where_set("metrics.listen")) {
      ctx.error(*where, "metrics.listen",
                clash_message("tcp", metrics.listen, item, inputs[i].listen));
    } else {
      ctx.error(input_spot(ctx, item, "listen"), join_path(item, "listen"),
                clash_message("tcp", inputs[i].listen, "metrics", metrics.listen));
    }
  }
}

}  // namespace

bool is_stream_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool is_literal_subject(std::string_view subject) {
  if (subject.empty() || subject.front() == '.' || subject.back() == '.') return false;
  char previous = 0;
  for (char c : subject) {
    if (c == '*' || c == '>' || static_cast<unsigned char>(c) <= ' ' || c == 127) return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

void check_server_urls(const std::vector<std::string>& servers, const std::string& path,
                       DecodeContext& ctx) {
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const std::string& url = servers[i];
    const std::string_view scheme = "nats://";
    if (url.rfind(scheme, 0) != 0 || url.size() == scheme.size()) {
      const std::string item = index_path(path, i);
      ctx.error(ctx.where_value(path).value_or(ctx.where_set(path).value_or(Position{})), item,
                "expected a server URL like \"nats://127.0.0.1:4222\", got \"" + url + "\"");
    }
  }
}

Spot locate(const DecodeContext& ctx, const std::string& a, const std::string& b) {
  const std::optional<Position> wa = ctx.where_set(a);
  const std::optional<Position> wb = ctx.where_set(b);
  if (wa && wb) {
    const bool b_later = std::pair(wb->line, wb->column) > std::pair(wa->line, wa->column);
    return b_later ? Spot{b, *wb, false} : Spot{a, *wa, true};
  }
  if (wb) return {b, *wb, false};
  if (wa) return {a, *wa, true};
  const std::string section = a.substr(0, a.find('.'));
  return {a, ctx.where_set(section).value_or(Position{}), true};
}

void validate(const Config& config, DecodeContext& ctx) {
  check_gc(config.gc, ctx);
  check_inputs(config, ctx);
  check_rules_and_actions(config, ctx);
}

}  // namespace lull::config::internal
