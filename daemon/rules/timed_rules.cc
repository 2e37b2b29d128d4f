// timed_rules.cc: sequence (A then B within a time) and absence (silence after the last
// event, timer-driven).
#include <chrono>

#include "daemon/rules/rule_kinds.h"

namespace lull::daemon {
namespace {

struct SequenceState : RuleState {
  void trace(gc::Visitor& visitor) const { visitor.trace(first); }
  gc::Member<Event> first;  // the pending A, if any
  std::int64_t last_fired = kNever;
};

struct AbsenceState : RuleState {
  void trace(gc::Visitor& visitor) const { visitor.trace(last); }
  gc::Member<Event> last;            // the latest matching event
  std::int64_t deadline = 0;         // steady ns: silent from then on
  std::int64_t last_fired = kNever;  // steady ns
  bool fired = false;                // this silence has been reported
  // Where `last` sits in its stream (jetstream input), so that the firing carries it and a
  // jetstream sink's Nats-Msg-Id names the silence: repeats after a takeover are dropped.
  std::int32_t partition = -1;
  std::uint64_t stream_seq = 0;
};

}  // namespace

SequenceRule::SequenceRule(const config::RuleConfig& config, RuleEnvironment& environment)
    : Rule(config, environment),
      first_(config.first, environment.names),
      then_(config.then, environment.names) {}

void SequenceRule::on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                            const runtime::Arrival& arrival) {
  const std::int64_t now = event->time_ns();
  auto* state = this->state<SequenceState>(heap, key);  // no allocation after this
  const std::int64_t since_first =
      state->first ? time_minus(now, state->first->time_ns()) : std::int64_t{0};
  if (state->first && since_first > config_.within.count()) {
    state->first = nullptr;  // A timed out
  }
  // A B dated before the pending A (late, or a clock that stepped back) did not follow it.
  if (state->first && since_first >= 0 && then_(*event)) {
    Event* first = state->first.get();
    state->first = nullptr;
    if (!cooling_down(state->last_fired, now)) {
      state->last_fired = now;
      Action action(*this, *event, key->key->view());
      std::string& text = action.text();
      text += ",\"first_seq\":";
      if (!first->append_json(environment_.seq_field, text)) text += "null";
      text += ",\"first_ts\":";
      if (!first->append_json(environment_.time_field, text)) text += "null";
      fire(action, *event, arrival);
    }
    return;
  }
  if (first_(*event)) state->first = event.get();
}

AbsenceRule::AbsenceRule(const config::RuleConfig& config, RuleEnvironment& environment)
    : Rule(config, environment),
      deadlines_(environment.reactor.heap(), environment.reactor.heap().make<DeadlineQueue>()),
      timer_(environment.reactor.io(), environment.reactor.timers()) {}

void AbsenceRule::on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                           const runtime::Arrival& arrival) {
  const std::int64_t deadline = runtime::steady_ns(arrival.steady) + config_.timeout.count();
  {
    auto* state = this->state<AbsenceState>(heap, key);
    state->last = event.get();
    state->deadline = deadline;
    // A rebuild re-reads the key's past. A silence that ended before the previous owner's
    // position (less replay_slack) was reported by that owner, whose sinks had settled it:
    // not again. One that ended later fell into the takeover gap: it fires late, once,
    // `timeout` after the rebuild read the key's last event.
    state->fired = arrival.replay && time_minus(arrival.reported_before_ns,
                                                arrival.stream_time_ns) > config_.timeout.count();
    state->partition = arrival.partition;
    state->stream_seq = arrival.stream_seq;
  }
  gc::Local<DeadlineQueue> queue(heap, deadlines_.get());
  Ring<KeyState>::push(heap, queue, &DeadlineQueue::ring, deadline, 0, key.get());
  if (!timer_.armed()) arm();
}

void AbsenceRule::arm() {
  if (deadlines_->ring.empty()) return;
  const auto due = std::chrono::steady_clock::time_point(
      std::chrono::nanoseconds(deadlines_->ring.front().time));
  timer_.async_wait_until(due, [this](boost::system::error_code error) {
    if (!error) expire();
  });
}

void AbsenceRule::expire() {
  // Nothing here allocates on the heap, so the raw pointers below stay valid throughout.
  const auto now = std::chrono::steady_clock::now();
  const std::int64_t now_ns = runtime::steady_ns(now);
  Ring<KeyState>& queue = deadlines_->ring;
  while (!queue.empty() && queue.front().time <= now_ns) {
    const std::int64_t deadline = queue.front().time;
    KeyState* key = queue.front().item.get();
    queue.pop_front();
    auto* state = static_cast<AbsenceState*>(own_state(*key));
    if (state == nullptr || state->deadline != deadline || state->fired) continue;  // stale
    state->fired = true;
    if (cooling_down(state->last_fired, now_ns)) continue;
    state->last_fired = now_ns;
    Action action(*this, *state->last.get(), key->key->view());
    action.number("silent_seconds", std::chrono::duration<double>(config_.timeout).count());
    runtime::Arrival arrival{now, 0};
    arrival.partition = state->partition;
    arrival.stream_seq = state->stream_seq;
    fire(action, *state->last.get(), arrival);
  }
  arm();
}

}  // namespace lull::daemon
