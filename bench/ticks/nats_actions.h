// nats_actions.h: the scoring sink's JetStream source of lulld's actions (issue 10): lulld
// publishes each action as JSON to lull.actions.<rule>, with a Nats-Msg-Id, into a stream
// (LULL_ACTIONS, say); the sink reads that stream instead of listening on TCP.
//
// The stream is created if it does not exist (subjects lull.actions.>, memory storage), so
// that a test can start the sink before lulld. The sink reads it through an ordered consumer
// (ephemeral, no acks, flow control; libnats recreates it from the last sequence seen after
// a gap) that starts at the sequence after the stream's last message when the sink starts:
// the sink starts before the first event is sent, so no action of this run can be older,
// and the actions of earlier runs in the same stream are not read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lull::bench {

class NatsActionSource {
 public:
  // Connects, creates the stream if needed, subscribes; throws lull::daemon::nats::Error.
  NatsActionSource(const std::string& url, const std::string& stream);
  ~NatsActionSource();
  NatsActionSource(const NatsActionSource&) = delete;
  NatsActionSource& operator=(const NatsActionSource&) = delete;

  // Waits up to `timeout_ms` for the next action message. True if one came: `data` is its
  // body (one or more JSON lines), valid until the next call, and `has_msg_id` tells whether
  // it carried a Nats-Msg-Id header. False on a timeout or an error (counted in errors()).
  bool next(int timeout_ms, std::string_view& data, bool& has_msg_id);

  std::uint64_t start_sequence() const;  // the first stream sequence read
  bool created() const;                  // whether the stream was created here
  std::uint64_t errors() const;          // failed reads: a lost message, a missed heartbeat

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lull::bench
