// recording_sink.h: an ActionSink for rule tests that keeps every action line it is given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/actions/action_sink.h"

namespace lull::daemon::testing {

class RecordingSink : public ActionSink {
 public:
  void start() override {}
  void emit(std::string_view json, const runtime::Arrival&, runtime::DurationMetric) override {
    lines.emplace_back(json);
  }
  void stop(std::chrono::milliseconds) override {}
  const std::string& name() const override { return name_; }
  std::uint64_t emitted() const override { return lines.size(); }
  std::uint64_t settled_through() const override { return lines.size(); }

  std::vector<std::string> lines;

 private:
  std::string name_ = "sink";
};

}  // namespace lull::daemon::testing
