// window_rules.cc: threshold, deviation and rate: rules over one numeric field or a count.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "daemon/rules/rule_kinds.h"

namespace lull::daemon {
namespace {

// A running sum with Neumaier's compensation, so adding and removing millions of prices
// does not drift; reset whenever the window empties.
struct CompensatedSum {
  void add(double x) {
    const double t = sum + x;
    compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  double value() const { return sum + compensation; }
  double sum = 0, compensation = 0;
};

struct ThresholdState : RuleState {
  int side = 0;  // -1 below, 0 inside, 1 above
  std::int64_t last_fired = kNever;
};

struct DeviationState : RuleState {
  void trace(gc::Visitor& visitor) const { window.trace(visitor); }
  Ring<Event> window;  // (event time, field value, event)
  CompensatedSum sum;
  std::int64_t last_fired = kNever;
};

struct RateState : RuleState {
  void trace(gc::Visitor& visitor) const { window.trace(visitor); }
  Ring<Event> window;  // (event time, 0, event)
  bool reached = false;
  std::int64_t last_fired = kNever;
};

// Where a window's expiry stands for an event at `now`: a window keeps what an event at or
// before the arrival time may still be compared with. An event dated ahead of our clock (a
// sender's skew, up to events.max_future) therefore expires nothing its on-time peers need.
std::int64_t oldest_kept(std::int64_t now, const runtime::Arrival& arrival,
                         std::chrono::nanoseconds window) {
  return time_minus(std::min(now, arrival.realtime_ns), window.count());
}

// The held events an event at `now` is compared with: those whose time lies in
// [now - window, now], as a run [begin, end) of the sorted ring. In time order that is the
// whole ring (the front is in the window and nothing is newer than `now`); a late event, a
// sender ahead of our clock or one whose clock stepped back leaves a run at either end.
struct Span {
  std::uint32_t begin, end;
  std::uint32_t size() const { return end - begin; }
};
Span span_at(const Ring<Event>& window, std::int64_t now, std::chrono::nanoseconds length) {
  Span span{0, window.size()};
  const std::int64_t from = time_minus(now, length.count());
  while (span.begin < span.end && window.at(span.begin).time < from) ++span.begin;
  if (window.newest_time() <= now) return span;
  while (span.end > span.begin && window.at(span.end - 1).time > now) --span.end;
  return span;
}

// The sum of the values over `span`: the running sum when the span is the whole window, else
// added up afresh (the rare path: late events, skewed or stepped clocks).
double sum_of(const Ring<Event>& window, Span span, const CompensatedSum& all) {
  if (span.size() == window.size()) return all.value();
  CompensatedSum sum;
  for (std::uint32_t i = span.begin; i < span.end; ++i) sum.add(window.at(i).value);
  return sum.value();
}

}  // namespace

ThresholdRule::ThresholdRule(const config::RuleConfig& config, RuleEnvironment& environment)
    : Rule(config, environment), field_(intern_or_throw(environment.names, config.field)) {}

void ThresholdRule::on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                             const runtime::Arrival& arrival) {
  auto value = event->number(field_);
  if (!value) return;
  auto* state = this->state<ThresholdState>(heap, key);  // no allocation after this
  const int side = config_.above && *value > *config_.above   ? 1
                   : config_.below && *value < *config_.below ? -1
                                                              : 0;
  const bool crossed = side != 0 && side != state->side;
  state->side = side;
  if (!crossed || cooling_down(state->last_fired, event->time_ns())) return;
  state->last_fired = event->time_ns();
  Action action(*this, *event, key->key->view());
  action.number(config_.field, *value)
      .number(side > 0 ? "above" : "below", side > 0 ? *config_.above : *config_.below);
  fire(action, *event, arrival);
}

DeviationRule::DeviationRule(const config::RuleConfig& config, RuleEnvironment& environment)
    : Rule(config, environment), field_(intern_or_throw(environment.names, config.field)) {}

void DeviationRule::on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                             const runtime::Arrival& arrival) {
  auto value = event->number(field_);
  if (!value) return;
  const std::int64_t now = event->time_ns();
  gc::Local<DeviationState> state(heap, this->state<DeviationState>(heap, key));
  Ring<Event>& window = state->window;  // valid up to insert(), the one GC point below

  // Events too old for any event still to come leave the window and become garbage.
  const std::int64_t oldest = oldest_kept(now, arrival, config_.window);
  while (!window.empty() && window.front().time < oldest) {
    state->sum.add(-window.front().value);
    window.pop_front();
    hold(*key, *state, -1);
  }
  if (window.empty()) state->sum = {};

  const Span span = span_at(window, now, config_.window);
  if (span.size() >= config_.min_events) {
    const double mean = sum_of(window, span, state->sum) / span.size();
    if (mean != 0 && std::fabs(*value - mean) / std::fabs(mean) > config_.threshold &&
        !cooling_down(state->last_fired, now)) {
      state->last_fired = now;
      Action action(*this, *event, key->key->view());
      action.number(config_.field, *value).number("mean", mean);
      fire(action, *event, arrival);
    }
  }
  Ring<Event>::insert(heap, state, &DeviationState::window, now, *value, event.get());
  hold(*key, *state, 1);
  state->sum.add(*value);
}

RateRule::RateRule(const config::RuleConfig& config, RuleEnvironment& environment)
    : Rule(config, environment) {}

void RateRule::on_event(gc::Heap& heap, gc::Local<KeyState>& key, gc::Local<Event>& event,
                        const runtime::Arrival& arrival) {
  const std::int64_t now = event->time_ns();
  gc::Local<RateState> state(heap, this->state<RateState>(heap, key));
  Ring<Event>& window = state->window;  // valid up to insert(), the one GC point below
  const std::int64_t oldest = oldest_kept(now, arrival, config_.window);
  while (!window.empty() && window.front().time < oldest) {
    window.pop_front();
    hold(*key, *state, -1);
  }
  Ring<Event>::insert(heap, state, &RateState::window, now, 0, event.get());
  hold(*key, *state, 1);

  const std::uint32_t count = span_at(state->window, now, config_.window).size();  // itself too
  const bool reached = count >= config_.count;
  const bool fires = reached && !state->reached && !cooling_down(state->last_fired, now);
  state->reached = reached;
  if (!fires) return;
  state->last_fired = now;
  Action action(*this, *event, key->key->view());
  action.integer("count", count)
      .number("window_seconds", std::chrono::duration<double>(config_.window).count());
  fire(action, *event, arrival);
}

}  // namespace lull::daemon
