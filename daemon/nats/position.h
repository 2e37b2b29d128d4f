// position.h: a partition's checkpoint, as stored in KV key `pos.<p>` of the bucket
// <prefix>_positions: the stream sequence and timestamp of the last event whose actions every
// sink has settled, and the instance that wrote it. Text, so that `nats kv get` shows it:
// "<seq> <time_ns> <instance>".
//
// The writer is in the value so that an instance whose write timed out can tell, from the
// value alone, whether the revision now there is its own (the write was applied, the reply
// lost) or another instance's fence. Revisions alone cannot: a fence rewrites the same
// position.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lull::daemon::nats {

struct Position {
  std::uint64_t seq = 0;     // stream sequence; 0: before the first message
  std::int64_t time_ns = 0;  // the message's stream timestamp, ns since the epoch

  friend bool operator==(const Position&, const Position&) = default;
};

struct StoredPosition {
  Position position;
  std::string writer;  // an instance id; empty in a value written without one ("<seq> <time_ns>")
};

// `writer` is an instance id: no spaces.
std::string encode(const Position& position, std::string_view writer);
// nullopt unless `text` is what encode() writes, or the same without " <instance>".
std::optional<StoredPosition> decode_position(std::string_view text);

// "pos.<p>"
std::string position_key(std::uint32_t partition);

}  // namespace lull::daemon::nats
