// nats_test.cc: lull-ticks over NATS JetStream (ctest label `nats`), against a real
// nats-server (tests/support/nats_server.h, with the fixture's ticks.<key> ->
// ticks.<p>.<key> mapping) and a stand-in for lulld: a thread that reads the events from a
// stream capturing ticks.>, runs the reference model of the rule, and publishes an action
// for every event that must fire to lull.actions.price-jump, as lulld's JetStream sink will.
// lull-ticks publishes the events with acks and a Nats-Msg-Id for 2 s, creates the actions
// stream and scores what comes back. Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/ticks/price_jump_model.h"
#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"
#include "tests/support/nats_server.h"
#include "tests/support/subprocess.h"

namespace lull::bench {
namespace {

namespace nats = lull::daemon::nats;
using namespace std::chrono_literals;
using lull::testing::NatsServer;

constexpr int kKeys = 50;
constexpr double kRate = 2000;
constexpr double kSeconds = 2;
constexpr std::uint32_t kPartitions = 8;  // the fixture's mapping

// The number after `"name":` in a JSON line (a leading '"' and 'm' skipped, for the key).
std::string field(std::string_view line, std::string_view name) {
  const std::string quoted = "\"" + std::string(name) + "\":";
  auto at = line.find(quoted);
  if (at == std::string_view::npos) return {};
  at += quoted.size();
  while (at < line.size() && (line[at] == '"' || line[at] == 'm')) ++at;
  const auto end = line.find_first_of(",}\"", at);
  return std::string(line.substr(at, end - at));
}

std::map<std::string, std::string> read_summary(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

nats::StreamInfo stream_info(jsCtx& js, const char* name) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  nats::check(js_GetStreamInfo(&info, &js, name, nullptr, &code), "stream info", code);
  return nats::StreamInfo(info);
}

// lulld's stand-in: from the next message of stream TICKS on, each event through the model;
// an action for each that must fire. `duplicate_first` sends the first action twice (two
// Nats-Msg-Ids, as two instances would), `extra_seq` adds one for an event that must not.
class FakeLulld {
 public:
  FakeLulld(const std::string& url, bool duplicate_first, std::uint64_t extra_seq)
      : connection_(nats::connect({url}, "fake lulld")),
        js_(nats::jetstream(*connection_)),
        duplicate_first_(duplicate_first),
        extra_seq_(extra_seq) {
    jsSubOptions options;
    nats::check(jsSubOptions_Init(&options), "subscription options");
    options.Stream = "TICKS";
    options.Ordered = true;
    options.Config.DeliverPolicy = js_DeliverByStartSequence;
    options.Config.OptStartSeq = stream_info(*js_, "TICKS")->State.LastSeq + 1;
    natsSubscription* subscription = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    nats::check(js_SubscribeSync(&subscription, js_.get(), "ticks.>", nullptr, &options, &code),
                "subscribe", code);
    subscription_.reset(subscription);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeLulld() {
    stop_ = true;
    thread_.join();
  }

  int fired() const { return fired_; }
  int events() const { return events_; }
  int bad_subjects() const { return bad_subjects_; }
  int without_id() const { return without_id_; }

 private:
  void run() {
    PriceJumpModel model(kKeys, 60'000'000'000, 10, 0.05);
    while (!stop_) {
      natsMsg* raw = nullptr;
      if (natsSubscription_NextMsg(&raw, subscription_.get(), 50) != NATS_OK) continue;
      nats::Message message(raw);
      const std::string_view line(natsMsg_GetData(raw),
                                  static_cast<std::size_t>(natsMsg_GetDataLength(raw)));
      const std::string seq = field(line, "seq"), ts = field(line, "ts");
      const std::string key = "m" + field(line, "key");
      ++events_;
      // The server's mapping put it at ticks.<p>.<key>, p as lull computes it.
      const std::string mapped =
          "ticks." + std::to_string(nats::partition_of(key, kPartitions)) + "." + key;
      bad_subjects_ += mapped != natsMsg_GetSubject(raw);
      const char* id = nullptr;
      without_id_ += natsMsgHeader_Get(raw, "Nats-Msg-Id", &id) != NATS_OK;
      const Verdict verdict = model.feed(static_cast<std::uint32_t>(std::stoul(field(line, "key"))),
                                         std::stoll(ts), std::stod(field(line, "price")));
      const bool extra = std::stoull(seq) == extra_seq_;
      if (verdict != Verdict::kFire && !extra) continue;
      const std::string action = R"({"rule":"price-jump","key":")" + key + R"(","seq":)" + seq +
                                 R"(,"ts":)" + ts + R"(,"partition":0,"stream_seq":)" + seq + "}";
      publish(action, "price-jump/0/" + seq);
      if (duplicate_first_ && verdict == Verdict::kFire && fired_ == 0) {
        publish(action, "price-jump/1/" + seq);
      }
      fired_ += verdict == Verdict::kFire;
    }
  }

  void publish(const std::string& action, const std::string& id) {
    natsMsg* raw = nullptr;
    nats::check(natsMsg_Create(&raw, "lull.actions.price-jump", nullptr, action.data(),
                               static_cast<int>(action.size())),
                "action");
    nats::Message message(raw);
    nats::check(natsMsgHeader_Set(raw, "Nats-Msg-Id", id.c_str()), "action id");
    jsPubAck* ack = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    nats::check(js_PublishMsg(&ack, js_.get(), raw, nullptr, &code), "publish action", code);
    jsPubAck_Destroy(ack);
  }

  nats::Connection connection_;
  nats::JetStream js_;
  nats::Subscription subscription_;
  bool duplicate_first_;
  std::uint64_t extra_seq_;
  std::atomic<bool> stop_{false};
  std::atomic<int> fired_{0}, events_{0}, bad_subjects_{0}, without_id_{0};
  std::thread thread_;
};

class TicksNatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (lull::testing::nats_server_binary().empty()) GTEST_SKIP() << "no nats-server";
    server_ = std::make_unique<NatsServer>();
    connection_ = nats::connect({server_->url()}, "test");
    js_ = nats::jetstream(*connection_);
    // The events' stream: everything under ticks. (lulld's set-up makes one per partition.)
    jsStreamConfig config;
    ASSERT_EQ(jsStreamConfig_Init(&config), NATS_OK);
    config.Name = "TICKS";
    const char* subjects[] = {"ticks.>"};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_MemoryStorage;
    jsStreamInfo* info = nullptr;
    ASSERT_EQ(js_AddStream(&info, js_.get(), &config, nullptr, nullptr), NATS_OK);
    jsStreamInfo_Destroy(info);
  }

  // Runs lull-ticks for kSeconds at kRate through the server; returns its exit status.
  int run_ticks(const std::string& summary, std::uint64_t seed) {
    lull::testing::Subprocess ticks({LULL_TICKS_PATH,
                                     "--nats",
                                     server_->url(),
                                     "--actions-stream",
                                     "LULL_ACTIONS",
                                     "--rate",
                                     std::to_string(kRate),
                                     "--warmup",
                                     "0",
                                     "--duration",
                                     std::to_string(kSeconds),
                                     "--keys",
                                     std::to_string(kKeys),
                                     "--jump-fraction",
                                     "0.01",
                                     "--seed",
                                     std::to_string(seed),
                                     "--drain-timeout",
                                     "5",
                                     "--quiet",
                                     "--summary",
                                     summary});
    const auto status = ticks.wait(40s);
    EXPECT_TRUE(status.has_value()) << "lull-ticks did not finish";
    std::cerr << ticks.errors();
    return status.value_or(-1);
  }

  std::unique_ptr<NatsServer> server_;
  nats::Connection connection_;
  nats::JetStream js_;
};

TEST_F(TicksNatsTest, EveryEventIsStoredOnceWithAMsgIdAndEveryActionIsScored) {
  const std::string summary = ::testing::TempDir() + "ticks-nats-summary.txt";
  int status;
  int fired, events, bad_subjects, without_id;
  {
    FakeLulld lulld(server_->url(), false, 0);
    status = run_ticks(summary, 7);
    fired = lulld.fired(), events = lulld.events();
    bad_subjects = lulld.bad_subjects(), without_id = lulld.without_id();
  }
  const auto values = read_summary(summary);
  const auto total = static_cast<std::uint64_t>(kRate * kSeconds);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(stream_info(*js_, "TICKS")->State.Msgs, total);
  EXPECT_EQ(events, static_cast<int>(total));
  EXPECT_EQ(bad_subjects, 0);
  EXPECT_EQ(without_id, 0);
  EXPECT_EQ(values.at("nats_acked"), std::to_string(total));
  EXPECT_EQ(values.at("nats_publish_failed"), "0");
  EXPECT_GT(fired, 5);
  EXPECT_EQ(values.at("actions_expected"), std::to_string(fired));
  EXPECT_EQ(values.at("actions_received"), std::to_string(fired));
  EXPECT_EQ(values.at("actions_without_msg_id"), "0");

  // The Msg-Id names the run (seed, start time) and the event.
  natsMsg* raw = nullptr;
  ASSERT_EQ(js_GetMsg(&raw, js_.get(), "TICKS", 1, nullptr, nullptr), NATS_OK);
  nats::Message first(raw);
  const char* id = nullptr;
  ASSERT_EQ(natsMsgHeader_Get(raw, "Nats-Msg-Id", &id), NATS_OK);
  EXPECT_EQ(std::string(id).substr(0, 2), "7-");
  EXPECT_EQ(std::string(id).substr(std::string(id).size() - 2), "-1");
}

TEST_F(TicksNatsTest, TheSinkFlagsDuplicateAndExtraActionsAndSkipsEarlierRuns) {
  const std::string summary = ::testing::TempDir() + "ticks-nats-summary-2.txt";
  // An earlier run leaves its actions in the stream: the sink must not read them.
  int status;
  {
    FakeLulld lulld(server_->url(), false, 0);
    status = run_ticks(summary, 8);
  }
  ASSERT_EQ(status, 0);
  {
    FakeLulld lulld(server_->url(), true, 2);  // event 2 cannot fire: too few before it
    status = run_ticks(summary, 9);
  }
  const auto values = read_summary(summary);
  EXPECT_EQ(status, 1);
  EXPECT_EQ(values.at("duplicate"), "1");
  EXPECT_EQ(values.at("extra"), "1");
  EXPECT_EQ(values.at("missing"), "0");
  EXPECT_EQ(values.at("unknown_seq"), "0");
  EXPECT_EQ(values.at("ts_mismatch"), "0");
}

}  // namespace
}  // namespace lull::bench
