// rendezvous.h: which live instance should own a partition, by rendezvous (highest random
// weight) hashing: every instance computes the same answer from the same member list, and
// when a member joins or leaves only the partitions it wins or held move (about P / N).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lull::daemon::nats {

// The member of `members` (instance ids, any order, no duplicates) with the highest weight
// for `partition`; empty if there are none. Ties, which need a 64-bit collision, go to the
// smaller id.
std::string rendezvous_owner(std::uint32_t partition, const std::vector<std::string>& members);

}  // namespace lull::daemon::nats
