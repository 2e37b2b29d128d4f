// event_builder_test.cc: a parsed line becomes a heap Event with every field intact, also
// when every allocation collects (torture mode moves the parts while they are built).
#include "daemon/event_builder.h"

#include <gtest/gtest.h>

#include "gc/handles.h"
#include "gc/testing.h"

namespace lull::daemon {
namespace {

class EventBuilderTest : public ::testing::TestWithParam<bool> {
 protected:
  EventBuilderTest() : builder_(heap_, names_, *names_.intern("ts")) {
    gc::testing::set_torture_for_testing(heap_, GetParam());
  }

  gc::Local<Event> build(std::string_view line, std::int64_t arrival_ns = 42) {
    auto parsed = parser_.parse(line);
    EXPECT_TRUE(parsed.event) << line;
    return gc::Local<Event>(heap_, builder_.build(*parsed.event, arrival_ns));
  }
  FieldId id(std::string_view name) { return *names_.find(name); }

  gc::Heap heap_;
  FieldNames names_;
  EventParser parser_{"key"};
  EventBuilder builder_;
};

TEST_P(EventBuilderTest, KeepsEveryFieldOfATick) {
  auto event = build(
      R"({"seq":123,"ts":1732460000123456789,"key":"m00042","type":"tick","price":101.25,"size":3})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->key_view(), "m00042");
  EXPECT_EQ(event->time_ns(), 1732460000123456789);
  EXPECT_EQ(event->number(id("seq")), 123);
  EXPECT_EQ(event->number(id("price")), 101.25);
  EXPECT_EQ(event->number(id("size")), 3);
  EXPECT_EQ(event->string(id("type")), "tick");
  EXPECT_EQ(event->string(id("key")), "m00042");
  EXPECT_FALSE(event->number(id("type")));
  EXPECT_EQ(event->string(id("key"))->data(), event->key_view().data())
      << "the key's bytes are stored once";
  EXPECT_EQ(event->fields().size(), 6u);
  EXPECT_TRUE(gc::testing::verify_heap_for_testing(heap_).empty());
}

TEST_P(EventBuilderTest, KeepsStringsAndNestedValuesApartInOneEvent) {
  auto event = build(R"({"a":[1, {"b" : 2}],"s":"x\ty","key":"k","t":{},"u":"","v":[ ],"w":"zz"})");
  ASSERT_TRUE(event);
  std::string out;
  for (const char* name : {"a", "s", "key", "t", "u", "v", "w"}) {
    ASSERT_TRUE(event->append_json(id(name), out)) << name;
    out += '|';
  }
  EXPECT_EQ(out, R"([1,{"b":2}]|"x\ty"|"k"|{}|""|[]|"zz"|)");
  EXPECT_EQ(event->string(id("w")), "zz");
  EXPECT_FALSE(event->string(id("a"))) << "nested values are JSON, not strings";
}

TEST_P(EventBuilderTest, KeepsUnknownAndNestedFieldsAsJson) {
  auto event = build(
      R"({"key":"k","meta":{"a":[1, 2]},"flag":true,"none":null,"big":18446744073709551615})");
  ASSERT_TRUE(event);
  std::string out;
  ASSERT_TRUE(event->append_json(id("meta"), out));
  EXPECT_EQ(out, R"({"a":[1,2]})");
  out.clear();
  event->append_json(id("flag"), out);
  event->append_json(id("none"), out);
  event->append_json(id("big"), out);
  EXPECT_EQ(out, "truenull18446744073709551615");
}

TEST_P(EventBuilderTest, FallsBackToTheArrivalTimeWithoutAnIntegerTimeField) {
  EXPECT_EQ(build(R"({"key":"k"})", 777)->time_ns(), 777);
  EXPECT_EQ(build(R"({"key":"k","ts":"soon"})", 778)->time_ns(), 778);
  EXPECT_EQ(build(R"({"key":"k","ts":1.5})", 779)->time_ns(), 779);
}

TEST_P(EventBuilderTest, WritesNumbersInTheirShortestExactForm) {
  auto event = build(R"({"key":"k","price":111.4,"neg":-5,"tiny":1e-300})");
  std::string out;
  event->append_json(id("price"), out);
  out += ",";
  event->append_json(id("neg"), out);
  out += ",";
  event->append_json(id("tiny"), out);
  EXPECT_EQ(out, "111.4,-5,1e-300");
}

TEST_P(EventBuilderTest, EscapesStringsInJsonOutput) {
  auto event = build(R"({"key":"k","note":"a\"b\\c\n\u0001"})");
  std::string out;
  event->append_json(id("note"), out);
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST_P(EventBuilderTest, RefusesNewFieldNamesOnceTheTableIsFull) {
  names_.intern("key");
  while (names_.size() < FieldNames::kMaxNames) names_.intern("f" + std::to_string(names_.size()));
  auto parsed = parser_.parse(R"({"key":"k","brand_new":1})");
  ASSERT_TRUE(parsed.event);
  EXPECT_EQ(builder_.build(*parsed.event, 0), nullptr);
  // Known names still work.
  EXPECT_TRUE(build(R"({"key":"k","ts":5})"));
}

INSTANTIATE_TEST_SUITE_P(NormalAndTorture, EventBuilderTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Torture" : "Normal"; });

}  // namespace
}  // namespace lull::daemon
