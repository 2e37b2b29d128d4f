// nats_output.h: the sender's NATS JetStream output (issue 10): each event is published to
// <subject>.<key> with header Nats-Msg-Id = <seed>-<t0 ns>-<seq> (unique per run, so runs do
// not collide in the stream's de-duplication window), and counts once its PubAck came.
//
// Publishing is asynchronous (js_PublishMsgAsync): a synchronous publish waits a round trip
// per event, too slow for 20,000 events/s. libnats calls the ack handler on its own thread
// with a PubAck, or with an error: a timeout (no ack within the ack timeout) or "no
// responders" (no stream leader, e.g. during an election). A failed publish is kept and sent
// again by the sender thread, the same message with the same Nats-Msg-Id, so that a resend
// of a publish the server had stored is dropped as a duplicate; after a backoff for "no
// responders" (25 ms, doubling to 0.5 s), at once after a timeout. An event is given up
// (counted failed) once retry_for has passed since its first attempt, or at the first other
// error (the server refused it). At most max_pending events are unresolved (in flight or
// waiting to be resent): the sender then waits, and, the schedule going on, its lag grows
// as with a TCP write that blocks. The stall of an event is the time from its first
// attempt to its ack.
//
// Thread use: the constructor, publish(), resend_due(), finish() and the destructor on the
// sender thread; the ack handler on libnats' thread; the counters in SharedRun are atomics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "bench/ticks/latency_histogram.h"
#include "bench/ticks/options.h"
#include "bench/ticks/shared_run.h"

namespace lull::bench {

class NatsOutput {
 public:
  // Connects (throws lull::daemon::nats::Error if the server does not answer).
  NatsOutput(const TicksOptions& options, SharedRun& run, std::int64_t t0_ns);
  ~NatsOutput();
  NatsOutput(const NatsOutput&) = delete;
  NatsOutput& operator=(const NatsOutput&) = delete;

  // Publishes event `seq` (its JSON `line`) to <subject>.<key>. Waits first while max_pending
  // events are unresolved, resending those due meanwhile. False only when the connection is
  // closed for good; a failed event is counted, not reported here.
  bool publish(std::uint64_t seq, std::string_view key, std::string_view line);
  // Sends again the failed publishes whose backoff is over; false as publish().
  bool resend_due();
  // When the next resend is due (CLOCK_REALTIME ns), or INT64_MAX if none is waiting.
  std::int64_t next_resend_ns();
  // After the last event: waits until every event is acked or given up (bounded by the
  // retry limit plus the ack timeout); the events still unresolved then count as failed.
  void finish();
  // Latency of the PubAcks (first attempt to ack), for the summary; valid after finish().
  const LatencyHistogram& ack_latency() const;

  struct State;  // what the ack handler shares with the sender thread (nats_output.cc)

 private:
  // Owned; left behind on purpose when events were given up in flight, since libnats may
  // still call the ack handler for them.
  std::unique_ptr<State> state_;
  std::string subject_prefix_, id_prefix_;
};

}  // namespace lull::bench
