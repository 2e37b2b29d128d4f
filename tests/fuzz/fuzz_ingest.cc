// fuzz_ingest.cc: the input path of lulld, as daemon/ingest.cc runs it, on any bytes. The bytes
// are one TCP stream: framed by LineFramer (once whole, once in reads of varying sizes: both
// must give the same lines), each non-blank line parsed by EventParser and, if accepted, built
// by EventBuilder inside a no-GC region (as the reactor runs handlers) on a fresh small Heap.
// Properties: the event holds exactly the line's fields and values; the last kKeptEvents events,
// held in Persistent handles across minor collections and major steps between lines, still
// print the same afterwards; every field prints as valid JSON; the verifier finds nothing.
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/event.h"
#include "daemon/event_builder.h"
#include "daemon/event_parser.h"
#include "daemon/field_names.h"
#include "daemon/line_framer.h"
#include "gc/handles.h"
#include "gc/heap.h"
#include "gc/no_gc_scope.h"
#include "gc/testing.h"
#include "tests/fuzz/targets.h"

namespace lull::fuzz {
namespace {

using daemon::Event;
using daemon::FieldKind;
using daemon::FieldValue;

// Small, so that oversize lines (and their discarding) are easy for the fuzzer to reach.
constexpr std::size_t kMaxLine = 300;
constexpr std::size_t kKeptEvents = 8;
constexpr std::int64_t kArrivalNs = 1'700'000'000'000'000'000;

// What the framer hands on: a line, or the report of an oversize one.
struct Piece {
  bool oversize = false;
  std::string line;
  friend bool operator==(const Piece&, const Piece&) = default;
};

// Feeds `bytes` in reads of the sizes in `reads` (cycled; empty: one read), then finishes.
std::vector<Piece> frame(std::string_view bytes, const std::vector<std::size_t>& reads) {
  daemon::LineFramer framer(kMaxLine);
  std::vector<Piece> pieces;
  auto on_line = [&](std::string_view line) { pieces.push_back({false, std::string(line)}); };
  auto on_oversize = [&] { pieces.push_back({true, {}}); };
  for (std::size_t i = 0; !bytes.empty(); ++i) {
    const std::size_t n = reads.empty() ? bytes.size() : reads[i % reads.size()];
    framer.feed(bytes.substr(0, n), on_line, on_oversize);
    bytes.remove_prefix(std::min(n, bytes.size()));
  }
  framer.finish(on_line, on_oversize);
  return pieces;
}

// The event as text: key, time and every field's JSON. Equal before and after collections.
std::string render(const Event& event, const daemon::FieldNames& names) {
  std::string text(event.key_view());
  text += " @" + std::to_string(event.time_ns());
  for (const FieldValue& field : event.fields()) {
    text += ' ';
    text += names.name(field.name);
    text += '=';
    event.append_json(field.name, text);
  }
  return text;
}

// Every field's JSON output (what a firing's `copy:` writes) parses as JSON on its own, and a
// number reads back as the same number.
void check_fields_print_as_json(const Event& event, simdjson::dom::parser& json) {
  for (const FieldValue& field : event.fields()) {
    if (event.find(field.name) != &field) continue;  // a repeated name: lookups see the first
    std::string text;
    LULL_FUZZ_CHECK(event.append_json(field.name, text), "a field of the event is not found");
    simdjson::dom::element parsed;
    LULL_FUZZ_CHECK(!json.parse(text).get(parsed), text.c_str());
    if (field.kind == FieldKind::kDouble) {
      double number = 0;
      LULL_FUZZ_CHECK(!parsed.get_double().get(number) && number == field.number, text.c_str());
    }
  }
}

// The built event holds exactly the parsed line: same fields in order, kinds and values.
void check_matches_line(const Event& event, const daemon::ParsedEvent& parsed,
                        const daemon::FieldNames& names) {
  using simdjson::dom::element_type;
  LULL_FUZZ_CHECK(event.key_view() == parsed.key, "event key differs from the line's");
  const auto fields = event.fields();
  std::size_t i = 0;
  for (auto [name, value] : parsed.fields) {
    LULL_FUZZ_CHECK(i < fields.size(), "event has fewer fields than the line");
    const FieldValue& field = fields[i++];
    LULL_FUZZ_CHECK(names.name(field.name) == name, "field name differs");
    auto text = [&] { return event.text(field); };
    switch (value.type()) {
      case element_type::NULL_VALUE: LULL_FUZZ_CHECK(field.kind == FieldKind::kNull, "null"); break;
      case element_type::BOOL:
        LULL_FUZZ_CHECK(field.kind == FieldKind::kBool && field.boolean == value.get_bool().value(),
                        "bool");
        break;
      case element_type::INT64:
        LULL_FUZZ_CHECK(field.kind == FieldKind::kInt && field.integer == value.get_int64().value(),
                        "int");
        break;
      case element_type::UINT64:
        LULL_FUZZ_CHECK(
            field.kind == FieldKind::kUint && field.unsigned_integer == value.get_uint64().value(),
            "uint");
        break;
      case element_type::DOUBLE:
        LULL_FUZZ_CHECK(
            field.kind == FieldKind::kDouble && field.number == value.get_double().value(),
            "double");
        break;
      case element_type::STRING:
        LULL_FUZZ_CHECK(field.kind == FieldKind::kString && text() == value.get_string().value(),
                        "string");
        break;
      case element_type::ARRAY:
      case element_type::OBJECT:
        LULL_FUZZ_CHECK(field.kind == FieldKind::kJson && text() == simdjson::minify(value),
                        "nested JSON");
        break;
    }
  }
  LULL_FUZZ_CHECK(i == fields.size(), "event has more fields than the line");
}

// Collector work between two lines, varied by the line's position in the stream.
void collect_between_lines(gc::Heap& heap, std::size_t line_index) {
  switch (line_index % 4) {
    case 0: heap.collect_minor(); break;
    case 1: gc::testing::collect_step_units_for_testing(heap, 20); break;
    case 2: gc::testing::collect_step_units_for_testing(heap, 400); break;
    default: break;  // several lines in one nursery
  }
}

}  // namespace

int fuzz_ingest_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::vector<Piece> lines = frame(bytes, {});
  LULL_FUZZ_CHECK(frame(bytes, {1, 7, 2, 64, 3, 301}) == lines,
                  "framing depends on how the stream is split into reads");

  gc::Policy policy;
  policy.nursery_bytes = 64 * 1024;
  policy.min_major_trigger_bytes = 256 * 1024;
  gc::Heap heap(policy);
  daemon::FieldNames names;
  daemon::EventParser parser("key");
  daemon::EventBuilder builder(heap, names, *names.intern("ts"));
  simdjson::dom::parser json;
  std::vector<gc::Persistent<Event>> kept(kKeptEvents, gc::Persistent<Event>(heap, nullptr));
  std::vector<std::string> kept_text(kKeptEvents);

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i].line;
    LULL_FUZZ_CHECK(lines[i].oversize || line.size() <= kMaxLine, "a line above max_line");
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // as Ingest::line
    auto result = parser.parse(line);
    if (!result.event) continue;
    {
      gc::NoGcScope handler(heap);
      gc::Local<Event> event(heap, builder.build(*result.event, kArrivalNs));
      if (!event) continue;  // more than FieldNames::kMaxNames names
      check_matches_line(*event, *result.event, names);
      check_fields_print_as_json(*event, json);
      kept[i % kKeptEvents] = event.get();
      kept_text[i % kKeptEvents] = render(*event, names);
    }
    collect_between_lines(heap, i);
  }

  heap.collect();
  for (const std::string& error : gc::testing::verify_heap_for_testing(heap)) {
    LULL_FUZZ_CHECK(false, error.c_str());
  }
  for (std::size_t i = 0; i < kKeptEvents; ++i) {
    if (kept[i]) {
      LULL_FUZZ_CHECK(render(*kept[i], names) == kept_text[i], "a kept event changed");
    }
  }
  return 0;
}

}  // namespace lull::fuzz
