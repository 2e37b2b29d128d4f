// rule.cc: the shared parts: action formatting, copying fields, emitting, the factory.
#include "daemon/rules/rule.h"

#include <atomic>

#include "daemon/rules/rule_kinds.h"

namespace lull::daemon {
namespace {

void append_string(std::string_view text, std::string& out) {
  // Keys and names are plain text; escape what JSON requires.
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[(c >> 4) & 0xf]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

Rule::Rule(const config::RuleConfig& config, RuleEnvironment& environment)
    : config_(config), environment_(environment), match_(config.match, environment.names) {
  static std::atomic<std::uint32_t> next_id{1};  // 0 is no rule's: KeyTable's free slots
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
  for (const auto& field : config.copy) copy_.push_back(intern_or_throw(environment.names, field));
}

void Rule::reserve_slot(gc::Heap& heap, gc::Local<KeyState>& key) {
  const std::size_t size = key->rules->size();
  if (slot_ < size) return;
  // A key older than a reload that added slots: its array grows to this slot.
  auto* grown = heap.make_array<gc::Member<RuleState>>(slot_ + 1);
  const auto& states = *key->rules.get();  // after the allocation, through the handle
  for (std::size_t i = 0; i < size; ++i) (*grown)[i] = states[i].get();
  key->rules = grown;
}

void Rule::put_state(KeyState& key, RuleState* state) {
  auto& slot = (*key.rules.get())[slot_];
  if (RuleState* stale = slot.get()) key.events_held -= stale->held;
  state->owner = id_;
  slot = state;
}

Rule::Action::Action(const Rule& rule, const Event& event, std::string_view key) {
  text_.reserve(160);
  text_ += "{\"rule\":";
  append_string(rule.name(), text_);
  text_ += ",\"key\":";
  append_string(key, text_);
  std::size_t before = text_.size();
  text_ += ",\"seq\":";
  if (!event.append_json(rule.environment_.seq_field, text_)) text_.resize(before);
  before = text_.size();
  text_ += ",\"ts\":";
  if (!event.append_json(rule.environment_.time_field, text_)) text_.resize(before);
}

void Rule::Action::name(std::string_view name) {
  text_.push_back(',');
  append_string(name, text_);
  text_.push_back(':');
}

Rule::Action& Rule::Action::number(std::string_view field, double value) {
  name(field);
  append_number(value, text_);
  return *this;
}

Rule::Action& Rule::Action::integer(std::string_view field, std::int64_t value) {
  name(field);
  text_ += std::to_string(value);
  return *this;
}

void Rule::fire(Action& action, const Event& event, const runtime::Arrival& arrival) {
  // A rebuild re-reads events whose actions were sent before: the state above this call
  // (windows, cooldowns) is restored, and nothing is sent twice.
  if (arrival.replay) return;
  std::string& text = action.text();
  if (arrival.partition >= 0) {
    text += ",\"partition\":";
    text += std::to_string(arrival.partition);
    text += ",\"stream_seq\":";
    text += std::to_string(arrival.stream_seq);
  }
  for (std::size_t i = 0; i < copy_.size(); ++i) {
    const std::size_t before = text.size();
    text.push_back(',');
    append_string(config_.copy[i], text);
    text.push_back(':');
    if (!event.append_json(copy_[i], text)) text.resize(before);  // absent: left out
  }
  text.push_back('}');
  environment_.fired.Increment();
  environment_.sink->emit(text, arrival, environment_.latency);
}

std::unique_ptr<Rule> make_rule(const config::RuleConfig& config, RuleEnvironment environment) {
  switch (config.kind) {
    case config::RuleKind::kThreshold: return std::make_unique<ThresholdRule>(config, environment);
    case config::RuleKind::kDeviation: return std::make_unique<DeviationRule>(config, environment);
    case config::RuleKind::kRate: return std::make_unique<RateRule>(config, environment);
    case config::RuleKind::kAbsence: return std::make_unique<AbsenceRule>(config, environment);
    case config::RuleKind::kSequence: return std::make_unique<SequenceRule>(config, environment);
  }
  return nullptr;
}

}  // namespace lull::daemon
