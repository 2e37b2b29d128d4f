// rule_kinds.h: the five rule kinds. Windows are by event time (the time field, or arrival
// when absent): an event at t sees the key's held events whose time lies in [t - window, t],
// whatever order they came in, so a late event, or one after the sender's clock stepped back,
// is compared with its own window, not with events dated after it. A window is kept sorted by
// time and expires from the front what is older than min(t, arrival) - window: at most one
// window span of events before the newest on-time one, plus those dated ahead of our clock
// (bounded by events.max_future). In time order the comparison set is the whole window.
// Absence works on arrival time (steady clock), since silence is a fact of the wire.
//   threshold  fires when `field` crosses above `above` or below `below` (on the crossing)
//   deviation  fires when |field - mean| / |mean| > threshold, mean over the event's window
//              (the new event not included) once it holds min_events; then the event joins
//   rate       fires when the event's window, itself included, reaches `count` events (again
//              only after an event saw it below)
//   absence    fires once when no matching event came for `timeout` after the last one
//   sequence   fires when an event matching `then` follows one matching `first` within
//              `within` (in arrival order, and dated neither before it nor more than `within`
//              after); an event matching both completes a pending sequence (and does not
//              start a new one); a later `first` replaces a pending one
// Every kind honours the per-key cooldown (event time, on either side of the last firing;
// absence: arrival time); a firing the cooldown suppressed is used up, not postponed. A
// deviation mean of 0 never fires.
#pragma once

#include "daemon/rules/ring.h"
#include "daemon/rules/rule.h"

namespace lull::daemon {

class ThresholdRule : public Rule {
 public:
  ThresholdRule(const config::RuleConfig& config, RuleEnvironment& environment);
  void on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                const runtime::Arrival& arrival) override;

 private:
  FieldId field_;
};

class DeviationRule : public Rule {
 public:
  DeviationRule(const config::RuleConfig& config, RuleEnvironment& environment);
  void on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                const runtime::Arrival& arrival) override;

 private:
  FieldId field_;
};

class RateRule : public Rule {
 public:
  RateRule(const config::RuleConfig& config, RuleEnvironment& environment);
  void on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                const runtime::Arrival& arrival) override;
};

class SequenceRule : public Rule {
 public:
  SequenceRule(const config::RuleConfig& config, RuleEnvironment& environment);
  void on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                const runtime::Arrival& arrival) override;

 private:
  Match first_, then_;
};

class AbsenceRule : public Rule {
 public:
  AbsenceRule(const config::RuleConfig& config, RuleEnvironment& environment);
  void on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                const runtime::Arrival& arrival) override;
  void stop() override { timer_.cancel(); }

 private:
  void arm();
  void expire();

  // (deadline, key) in arrival order, so deadlines are non-decreasing: the timer only ever
  // waits for the front. Entries whose key has seen a later event are stale and skipped.
  struct DeadlineQueue : gc::GarbageCollected<DeadlineQueue> {
    void trace(gc::Visitor& visitor) const { ring.trace(visitor); }
    Ring<KeyState> ring;
  };
  gc::Persistent<DeadlineQueue> deadlines_;
  runtime::Timer timer_;
};

}  // namespace lull::daemon
