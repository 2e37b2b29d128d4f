// arrival.h: when an event arrived, stamped once per socket read as it completes. The
// steady time measures latency inside lulld (arrival to action written); the wall-clock
// time stands in for an event's own time when it carries none. An input on another thread
// (jetstream) stamps it there, as the message arrives, so the hand-off counts as latency.
#pragma once

#include <chrono>
#include <cstdint>

namespace lull::runtime {

// A steady-clock time as nanoseconds, the unit lull keeps times in on the heap.
inline std::int64_t steady_ns(std::chrono::steady_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

struct Arrival {
  std::chrono::steady_clock::time_point steady;
  std::int64_t realtime_ns = 0;
  // From a partitioned stream (a jetstream input): the event's partition and sequence in its
  // stream, which every action it fires carries; partition < 0 for a socket input. `replay`:
  // a rebuild re-reads the event to restore rule state, so it fires nothing.
  std::int32_t partition = -1;
  bool replay = false;
  std::uint64_t stream_seq = 0;
  // A replay only: the server's timestamp of the event, and the server time before which the
  // partition's previous owner is taken to have reported every silence (absence rules): the
  // position it handled, less the input's replay_slack. Both ns since the epoch.
  std::int64_t stream_time_ns = 0;
  std::int64_t reported_before_ns = 0;

  static Arrival now() {
    return {std::chrono::steady_clock::now(),
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count()};
  }
};

}  // namespace lull::runtime
