// subprocess.cc: fork/exec with output redirected to temporary files.
#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace lull::testing {
namespace {

std::string temp_path(const char* tag) {
  std::string pattern = std::string("/tmp/lull-test-") + tag + "-XXXXXX";
  int fd = mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  return pattern;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Subprocess::Subprocess(std::vector<std::string> argv, std::vector<std::string> environment)
    : stdout_path_(temp_path("out")), stderr_path_(temp_path("err")) {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int out = open(stdout_path_.c_str(), O_WRONLY | O_TRUNC);
    int err = open(stderr_path_.c_str(), O_WRONLY | O_TRUNC);
    int null = open("/dev/null", O_RDONLY);
    dup2(out, 1);
    dup2(err, 2);
    dup2(null, 0);
    // The test's own sockets (a sink's listener, say) must not leak into the child.
    close_range(3, ~0U, 0);
    for (auto& entry : environment) putenv(entry.data());
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

Subprocess::~Subprocess() {
  if (running()) {
    kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
  unlink(stdout_path_.c_str());
  unlink(stderr_path_.c_str());
}

void Subprocess::signal(int signal_number) const {
  kill(pid_, signal_number);
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

bool Subprocess::running() {
  return !wait(std::chrono::milliseconds(0)).has_value();
}

std::string Subprocess::output() const {
  return slurp(stdout_path_);
}
std::string Subprocess::errors() const {
  return slurp(stderr_path_);
}

Completed run_program(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  Subprocess process(std::move(argv));
  auto status = process.wait(timeout);
  return {status.value_or(-1), process.output(), process.errors()};
}

}  // namespace lull::testing
