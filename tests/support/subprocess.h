// subprocess.h: starts a program for an integration test and stops it, bounded in time.
// stdout and stderr go to files so a failing test can show what the program said.
// The destructor kills a child that is still running, so no test leaves one behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace lull::testing {

class Subprocess {
 public:
  // Starts `argv[0]` with the given arguments and extra environment ("NAME=value").
  explicit Subprocess(std::vector<std::string> argv, std::vector<std::string> environment = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // The exit status (or 128 + signal) once it has exited within `timeout`; nullopt if not.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

  std::string output() const;  // stdout so far
  std::string errors() const;  // stderr so far

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string stdout_path_;
  std::string stderr_path_;
};

// Runs a program to completion (bounded by `timeout`); returns status, stdout and stderr.
struct Completed {
  int status = -1;
  std::string output;
  std::string errors;
};
Completed run_program(std::vector<std::string> argv, std::chrono::milliseconds timeout);

}  // namespace lull::testing
