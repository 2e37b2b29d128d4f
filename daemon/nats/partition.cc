// partition.cc: FNV-1a and the token check; see partition.h for the server code they mirror.
#include "daemon/nats/partition.h"

namespace lull::daemon::nats {

std::uint32_t fnv1a_32(std::string_view bytes) {
  constexpr std::uint32_t kOffsetBasis = 2166136261u;
  constexpr std::uint32_t kPrime = 16777619u;
  std::uint32_t hash = kOffsetBasis;
  for (char byte : bytes) {
    hash ^= static_cast<std::uint8_t>(byte);
    hash *= kPrime;  // wraps mod 2^32, as Go's uint32 multiply does
  }
  return hash;
}

std::uint32_t partition_of(std::string_view key, std::uint32_t partitions) {
  return fnv1a_32(key) % partitions;
}

bool is_subject_token(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '.' || c == '*' || c == '>') return false;
  }
  return true;
}

}  // namespace lull::daemon::nats
