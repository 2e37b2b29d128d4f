// config.cc: the small out-of-line pieces of config.h: enum names, address text and the
// default inputs. The names here are the YAML spellings; the schema table uses the same ones.
#include "config/config.h"

namespace lull::config {

std::string Address::to_string() const {
  // An IPv6 literal needs brackets, or its last colon could not be told from the port's.
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

std::vector<InputConfig> default_inputs() {
  InputConfig tcp;
  tcp.type = InputType::kTcp;
  tcp.name = "tcp";
  InputConfig udp;
  udp.type = InputType::kUdp;
  udp.name = "udp";
  return {tcp, udp};
}

std::string_view to_string(InputType type) {
  switch (type) {
    case InputType::kTcp: return "tcp";
    case InputType::kUdp: return "udp";
    case InputType::kJetStream: return "jetstream";
  }
  return "?";
}

std::string_view to_string(Assignment assignment) {
  switch (assignment) {
    case Assignment::kStatic: return "static";
    case Assignment::kLease: return "lease";
  }
  return "?";
}

std::string_view to_string(GcMode mode) {
  switch (mode) {
    case GcMode::kIdle: return "idle";
    case GcMode::kClassic: return "classic";
    case GcMode::kOff: return "off";
  }
  return "?";
}

std::string_view to_string(RuleKind kind) {
  switch (kind) {
    case RuleKind::kThreshold: return "threshold";
    case RuleKind::kDeviation: return "deviation";
    case RuleKind::kRate: return "rate";
    case RuleKind::kAbsence: return "absence";
    case RuleKind::kSequence: return "sequence";
  }
  return "?";
}

std::string_view to_string(ActionType type) {
  switch (type) {
    case ActionType::kTcp: return "tcp";
    case ActionType::kUdp: return "udp";
    case ActionType::kLog: return "log";
    case ActionType::kJetStream: return "jetstream";
  }
  return "?";
}

std::string_view to_string(DropPolicy policy) {
  switch (policy) {
    case DropPolicy::kDropOldest: return "oldest";
    case DropPolicy::kDropNewest: return "newest";
  }
  return "?";
}

}  // namespace lull::config
