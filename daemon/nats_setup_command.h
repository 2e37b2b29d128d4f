// nats_setup_command.h: `lulld --config FILE --nats-setup`: creates the JetStream side of a
// partitioned deployment from lulld's own config (daemon/nats/setup.h does the work): the
// streams <stream_prefix>_0 .. <stream_prefix>_{P-1} capturing <subject>.<p>.*, the KV
// buckets <stream_prefix>_positions, _members and _leases, and prints what it did followed
// by the `mappings` stanza for nats-server's config.
//
// Stream retention (--max-age) must cover what a rebuild replays plus the time until it
// starts: a partition's rebuild reads from position time - replay_span(rules) - replay_slack,
// and the position is as old as the owner's death plus the takeover (lease TTL, then the
// rebuild itself). Unless --max-age is given it is
//     max(1h, replay_span(rules) + replay_slack + lease_ttl + 15m), rounded up to seconds,
// where the 15 minutes (kTakeoverAllowance) cover the rebuild, a statically assigned instance
// restarted by systemd or a person, and the lag of the last commit. The default moves with
// the rules: a later run after rules got longer reports a max_age conflict (nothing is
// changed); edit the streams with `nats stream edit`, or pass the existing --max-age.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

#include "config/config.h"
#include "daemon/cli.h"
#include "daemon/nats/setup.h"

namespace lull::daemon {

inline constexpr int kDefaultReplicas = 1;
inline constexpr std::chrono::nanoseconds kDefaultLeaseTtl = std::chrono::seconds(10);
inline constexpr std::chrono::nanoseconds kTakeoverAllowance = std::chrono::minutes(15);
inline constexpr std::chrono::nanoseconds kMinimumMaxAge = std::chrono::hours(1);

// The least retention that lets a rebuild find its start: replay_span(rules) + replay_slack +
// lease_ttl (a stricter bound than the default; an explicit --max-age below it is warned of).
std::chrono::nanoseconds required_max_age(const config::Config& config,
                                          const config::InputConfig& input,
                                          std::chrono::nanoseconds lease_ttl);
// The default --max-age, as above.
std::chrono::nanoseconds default_max_age(const config::Config& config,
                                         const config::InputConfig& input,
                                         std::chrono::nanoseconds lease_ttl);

// The plan for `config`'s one jetstream input with the command line's settings, or an error
// (no jetstream input, or several) in `error`.
struct NatsSetupPlan {
  std::optional<nats::SetupPlan> plan;
  std::chrono::nanoseconds lease_ttl{0};
  std::string warning;  // set when an explicit --max-age is below required_max_age
  std::string error;
};
NatsSetupPlan plan_nats_setup(const config::Config& config, const CommandLine& command_line);

// Plans and runs the setup: the report to `out`, exit status 0; or a message to `err`
// (a SetupConflict names every difference), exit status 1. Blocks on the network.
int run_nats_setup(const config::Config& config, const CommandLine& command_line, std::ostream& out,
                   std::ostream& err);

}  // namespace lull::daemon
