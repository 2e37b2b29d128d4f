// nats_setup_command.cc: from config and command line to a SetupPlan, and the run.
#include "daemon/nats_setup_command.h"

#include <algorithm>
#include <exception>
#include <ostream>

#include "config/units.h"
#include "daemon/jetstream_input.h"

namespace lull::daemon {

std::chrono::nanoseconds required_max_age(const config::Config& config,
                                          const config::InputConfig& input,
                                          std::chrono::nanoseconds lease_ttl) {
  return replay_span(config.rules) + input.replay_slack + lease_ttl;
}

std::chrono::nanoseconds default_max_age(const config::Config& config,
                                         const config::InputConfig& input,
                                         std::chrono::nanoseconds lease_ttl) {
  auto wanted = std::chrono::ceil<std::chrono::seconds>(required_max_age(config, input, lease_ttl) +
                                                        kTakeoverAllowance);
  return std::max<std::chrono::nanoseconds>(wanted, kMinimumMaxAge);
}

NatsSetupPlan plan_nats_setup(const config::Config& config, const CommandLine& command_line) {
  NatsSetupPlan result;
  std::vector<const config::InputConfig*> inputs;
  for (const auto& input : config.inputs) {
    if (input.type == config::InputType::kJetStream) inputs.push_back(&input);
  }
  if (inputs.size() != 1) {
    result.error = inputs.empty() ? "the config has no jetstream input (type: jetstream) to set up"
                                  : "the config has " + std::to_string(inputs.size()) +
                                        " jetstream inputs; --nats-setup sets up one, keep only it";
    return result;
  }
  const config::InputConfig& input = *inputs.front();
  result.lease_ttl = command_line.lease_ttl.value_or(kDefaultLeaseTtl);
  nats::SetupPlan plan;
  plan.servers = input.servers;
  plan.stream_prefix = input.stream_prefix;
  plan.subject = input.subject;
  plan.partitions = static_cast<std::uint32_t>(input.partitions);
  plan.replicas = command_line.replicas.value_or(kDefaultReplicas);
  plan.max_age = command_line.max_age.value_or(default_max_age(config, input, result.lease_ttl));
  if (auto least = required_max_age(config, input, result.lease_ttl); plan.max_age < least) {
    result.warning = "--max-age " + config::format_duration(plan.max_age) +
                     " is less than the longest rule span + replay_slack + lease TTL (" +
                     config::format_duration(least) +
                     "): a rebuild after a takeover may find its start already deleted";
  }
  result.plan = std::move(plan);
  return result;
}

int run_nats_setup(const config::Config& config, const CommandLine& command_line, std::ostream& out,
                   std::ostream& err) {
  auto planned = plan_nats_setup(config, command_line);
  if (!planned.plan) {
    err << "lulld: --nats-setup: " << planned.error << "\n";
    return 1;
  }
  if (!planned.warning.empty()) err << "lulld: warning: " << planned.warning << "\n";
  try {
    auto report = nats::set_up_jetstream(*planned.plan, planned.lease_ttl);
    out << report.summary << std::flush;
    return 0;
  } catch (const std::exception& error) {  // SetupConflict, nats::Error, invalid_argument
    err << "lulld: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace lull::daemon
