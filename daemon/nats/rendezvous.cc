#include "daemon/nats/rendezvous.h"

namespace lull::daemon::nats {
namespace {

// FNV-1a 64 of the id, then the partition mixed in and spread by splitmix64's finalizer, so
// that weights of one member for neighbouring partitions are unrelated.
std::uint64_t weight(const std::string& member, std::uint32_t partition) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : member) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  hash ^= static_cast<std::uint64_t>(partition) + 0x9e3779b97f4a7c15ULL;
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash;
}

}  // namespace

std::string rendezvous_owner(std::uint32_t partition, const std::vector<std::string>& members) {
  const std::string* best = nullptr;
  std::uint64_t best_weight = 0;
  for (const std::string& member : members) {
    const std::uint64_t w = weight(member, partition);
    if (best == nullptr || w > best_weight || (w == best_weight && member < *best)) {
      best = &member;
      best_weight = w;
    }
  }
  return best == nullptr ? std::string() : *best;
}

}  // namespace lull::daemon::nats
