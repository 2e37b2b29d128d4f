#include "daemon/nats/position.h"

#include <charconv>

namespace lull::daemon::nats {

std::string encode(const Position& position, std::string_view writer) {
  return std::to_string(position.seq) + " " + std::to_string(position.time_ns) + " " +
         std::string(writer);
}

std::optional<StoredPosition> decode_position(std::string_view text) {
  StoredPosition stored;
  Position& position = stored.position;
  const char* end = text.data() + text.size();
  auto [after_seq, seq_error] = std::from_chars(text.data(), end, position.seq);
  if (seq_error != std::errc() || after_seq == end || *after_seq != ' ') return std::nullopt;
  auto [after_time, time_error] = std::from_chars(after_seq + 1, end, position.time_ns);
  if (time_error != std::errc() || position.time_ns < 0) return std::nullopt;
  if (after_time == end) return stored;
  if (*after_time != ' ' || after_time + 1 == end) return std::nullopt;
  stored.writer.assign(after_time + 1, end);
  if (stored.writer.find(' ') != std::string::npos) return std::nullopt;
  return stored;
}

std::string position_key(std::uint32_t partition) {
  return "pos." + std::to_string(partition);
}

}  // namespace lull::daemon::nats
