// setup.h: creates the JetStream side of a partitioned lull deployment (what `lulld nats
// setup` will run): P streams `<prefix>_<p>` capturing `<subject>.<p>.*`, and the KV buckets
// `<prefix>_positions`, `<prefix>_members`, `<prefix>_leases`; and writes the server's
// `mappings` stanza that routes `<subject>.<key>` to `<subject>.<p>.<key>`.
// Idempotent: what exists with the wanted settings is kept. Never changes an existing stream
// or bucket: any difference is a SetupConflict naming every difference, and then nothing is
// created (see set_up_jetstream for why). Blocks on the network; not for the reactor thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lull::daemon::nats {

struct SetupPlan {
  std::vector<std::string> servers;     // nats://host:port, ...
  std::string stream_prefix = "TICKS";  // [A-Za-z0-9_-]+ (it also names KV buckets)
  std::string subject = "ticks";        // producers publish <subject>.<key>
  std::uint32_t partitions = 0;         // P, > 0; fixed for the life of the stream set
  int replicas = 1;                     // 1..5; > 1 needs a cluster of at least that size
  // Stream retention, > 0: at least window + worst takeover (lease TTL + rebuild) + replay
  // slack, or a rebuild finds its start already deleted.
  std::chrono::nanoseconds max_age{0};
};

// A stream or bucket that exists with other settings than the plan's, e.g.
// "TICKS_3: replicas 1, plan wants 3" (one line per difference in what()).
class SetupConflict : public std::runtime_error {
 public:
  explicit SetupConflict(std::vector<std::string> differences);
  const std::vector<std::string>& differences() const { return differences_; }

 private:
  std::vector<std::string> differences_;
};

struct SetupReport {
  std::vector<std::string> created;   // stream and bucket names created by this run
  std::vector<std::string> existing;  // found with the wanted settings and kept
  std::string summary;                // a few lines for a person, ending in the mappings stanza
};

// Connects to plan.servers and makes the stream set and buckets exist as planned:
//   <prefix>_<p>, p in [0, P): subjects [<subject>.<p>.*], file storage, limits retention,
//     plan.replicas, MaxAge = plan.max_age, the server's default duplicates window (2 min,
//     or MaxAge if shorter);
//   <prefix>_positions: KV, history 1, no TTL (positions must outlive any outage);
//   <prefix>_members, <prefix>_leases: KV, history 1, TTL = lease_ttl (per bucket: 2.9 has
//     no per-key TTL).
// All are inspected first. An existing one with other subjects, storage, retention,
// replicas, MaxAge, history or TTL, or a stream `<prefix>_<P>` (a stream set made with more
// partitions), throws SetupConflict and creates nothing. Rejected alternative: updating in
// place. Moving replicas or MaxAge of live partition streams is an operator's decision
// (`nats stream edit`), a changed subject would strand stored events, and P cannot change
// under a running mapping. Throws std::invalid_argument for a bad plan, nats::Error when
// the servers or JetStream fail (a partial run is completed by running it again).
SetupReport set_up_jetstream(const SetupPlan& plan, std::chrono::nanoseconds lease_ttl);

// The stanza for nats-server's config file, e.g. for subject "ticks" and P = 8:
//   mappings = {
//     "ticks.*": "ticks.{{partition(8,1)}}.{{wildcard(1)}}"
//   }
// At the top level it maps the global account; with `accounts`, put it in the account.
// The server applies it on SIGHUP (config reload).
std::string mapping_stanza(const std::string& subject, std::uint32_t partitions);

// Names, for the input and tests: "<prefix>_<p>", "<subject>.<p>.*", "<prefix>_positions".
std::string partition_stream(const std::string& prefix, std::uint32_t partition);
std::string partition_subjects(const std::string& subject, std::uint32_t partition);
std::string positions_bucket(const std::string& prefix);
std::string members_bucket(const std::string& prefix);
std::string leases_bucket(const std::string& prefix);

}  // namespace lull::daemon::nats
