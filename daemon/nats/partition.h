// partition.h: which of P partitions a key belongs to, computed as nats-server 2.9 computes
// the subject mapping `ticks.*` -> `ticks.{{partition(P,1)}}.{{wildcard(1)}}`, and which keys
// can be placed at all. A "key" is the one subject token after the prefix (`ticks.<key>`).
// Rule: partition_of(key, P) == the <p> the server writes into `ticks.<p>.<key>`; checked
// against a live server by tests/daemon/nats_test.cc.
#pragma once

#include <cstdint>
#include <string_view>

namespace lull::daemon::nats {

// 32-bit FNV-1a of `bytes` (offset basis 2166136261, prime 16777619): Go's hash/fnv New32a,
// which the server uses for partition().
std::uint32_t fnv1a_32(std::string_view bytes);

// The partition nats-server 2.9 maps `<subject>.<key>` to under {{partition(partitions,1)}}:
// fnv1a_32(key) % partitions, over the key's raw bytes (server/accounts.go, getHashPartition,
// at v2.9.10). `partitions` must be > 0 (the server divides by it too); `key` should pass
// is_subject_token, or the server does not map the subject at all.
std::uint32_t partition_of(std::string_view key, std::uint32_t partitions);

// True if `key` can be published as the single token in `<subject>.<key>` and be mapped:
// non-empty, no '.', '*' or '>' anywhere, no space or control byte (< 0x20, 0x7f). Stricter
// than the server on purpose: 2.9 accepts `a*b` or `a>b` as a literal token (only a lone
// `*` or `>` is a wildcard) and only refuses space, \t, \n, \f, \r, but other clients and
// tools treat those bytes as wildcards or separators. Bytes >= 0x80 (UTF-8) are accepted.
bool is_subject_token(std::string_view key);

}  // namespace lull::daemon::nats
