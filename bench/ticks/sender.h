// sender.h: the open-loop generator: sends the tick stream on its fixed schedule over TCP (one
// connection) or UDP (whole lines, up to batch_max a datagram), never waiting for the daemon
// to catch up on its own account: whatever is due is sent at the next write (at most one per
// send_interval_us), with the ts it was due at.
// A TCP write that blocks (the daemon does not read) delays later events, and the lag is
// reported, but their ts stay those of the schedule, so the daemon is charged for the wait.
#pragma once

#include "bench/ticks/options.h"
#include "bench/ticks/shared_run.h"

namespace lull::bench {

// Sends run.total events starting at t0_ns (CLOCK_REALTIME); sets run.sender.done at the end,
// and run.sender.failed if the connection failed. Records each event's verdict before sending.
void run_sender(const TicksOptions& options, std::int64_t t0_ns, SharedRun& run);

}  // namespace lull::bench
