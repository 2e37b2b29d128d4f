// live_lulld.h: a real lulld on free loopback ports for the deploy tests, with one TCP action
// (to a test sink) and one rule, so that every family lulld can export, the per-action and
// per-rule ones included, is on its page. The page is the reference for metric names, and
// the Prometheus test scrapes it. Stopped (killed) and its config removed on destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/support/line_server.h"
#include "tests/support/subprocess.h"

namespace lull::testing {

class LiveLulld {
 public:
  LiveLulld();  // starts it and waits (bounded) for its page; check started()
  ~LiveLulld();
  LiveLulld(const LiveLulld&) = delete;
  LiveLulld& operator=(const LiveLulld&) = delete;

  bool started() const { return started_; }
  std::string errors() const { return process_ ? process_->errors() : ""; }
  std::uint16_t event_port() const { return event_port_; }
  std::uint16_t metrics_port() const { return metrics_port_; }
  std::string scrape() const;  // the /metrics page, or "" when it could not be read

 private:
  LineServer sink_;
  std::uint16_t event_port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::string config_path_;
  std::unique_ptr<Subprocess> process_;
  bool started_ = false;
};

}  // namespace lull::testing
