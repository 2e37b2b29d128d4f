// position.h: a partition's checkpoint, as stored in KV key `pos.<p>` of the bucket
// <prefix>_positions: the stream sequence and timestamp of the last event whose actions every
// sink has settled. Text, so that `nats kv get` shows it: "<seq> <time_ns>".
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

std::string encode(const Position& position);
// nullopt unless `text` is exactly what encode() writes.
std::optional<Position> decode_position(std::string_view text);

// "pos.<p>"
std::string position_key(std::uint32_t partition);

}  // namespace lull::daemon::nats
