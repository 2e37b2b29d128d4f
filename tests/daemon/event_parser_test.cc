// event_parser_test.cc: every rejection reason, and what an accepted event carries.
#include "daemon/event_parser.h"

#include <gtest/gtest.h>

namespace lull::daemon {
namespace {

RejectReason rejection(std::string_view line) {
  EventParser parser("key");
  auto result = parser.parse(line);
  EXPECT_FALSE(result.event) << line;
  return result.reason;
}

TEST(EventParser, AcceptsATickAndExposesItsKeyAndFields) {
  EventParser parser("key");
  auto result = parser.parse(
      R"({"seq":123,"ts":1732460000123456789,"key":"m00042","type":"tick","price":101.25,"size":3,"extra":[1]})");
  ASSERT_TRUE(result.event);
  EXPECT_EQ(result.event->key, "m00042");
  double price = 0;
  ASSERT_EQ(result.event->fields["price"].get_double().get(price), simdjson::SUCCESS);
  EXPECT_EQ(price, 101.25);
  int64_t ts = 0;
  ASSERT_EQ(result.event->fields["ts"].get_int64().get(ts), simdjson::SUCCESS);
  EXPECT_EQ(ts, 1732460000123456789);
}

TEST(EventParser, UsesTheConfiguredKeyField) {
  EventParser parser("symbol");
  auto result = parser.parse(R"({"key":"no","symbol":"yes"})");
  ASSERT_TRUE(result.event);
  EXPECT_EQ(result.event->key, "yes");
}

TEST(EventParser, RejectsWhatIsNotJson) {
  EXPECT_EQ(rejection("hello"), RejectReason::kInvalidJson);
  EXPECT_EQ(rejection(R"({"key":"a")"), RejectReason::kInvalidJson);
  EXPECT_EQ(rejection(R"({"key":"a"} {"key":"b"})"), RejectReason::kInvalidJson);
  EXPECT_EQ(rejection("{\"key\":\"\xff\xfe\"}"), RejectReason::kInvalidJson);
  EXPECT_EQ(rejection(std::string(5000, '[') + std::string(5000, ']')), RejectReason::kInvalidJson);
}

TEST(EventParser, RejectsJsonThatIsNotAnObject) {
  EXPECT_EQ(rejection("[1,2,3]"), RejectReason::kNotObject);
  EXPECT_EQ(rejection("42"), RejectReason::kNotObject);
  EXPECT_EQ(rejection(R"("key")"), RejectReason::kNotObject);
}

TEST(EventParser, RejectsAnObjectWithoutTheKey) {
  EXPECT_EQ(rejection(R"({"seq":1})"), RejectReason::kMissingKey);
  EXPECT_EQ(rejection("{}"), RejectReason::kMissingKey);
}

TEST(EventParser, RejectsAKeyThatIsNotANonEmptyString) {
  EXPECT_EQ(rejection(R"({"key":5})"), RejectReason::kBadKey);
  EXPECT_EQ(rejection(R"({"key":null})"), RejectReason::kBadKey);
  EXPECT_EQ(rejection(R"({"key":""})"), RejectReason::kBadKey);
}

TEST(EventParser, ReusesItselfAcrossLinesOfDifferentSizes) {
  EventParser parser("key");
  std::string big = R"({"key":"big","pad":")" + std::string(10000, 'x') + R"("})";
  ASSERT_TRUE(parser.parse(big).event);
  auto small = parser.parse(R"({"key":"s"})");
  ASSERT_TRUE(small.event);
  EXPECT_EQ(small.event->key, "s");
}

}  // namespace
}  // namespace lull::daemon
