#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace orch::test {

/// A program the tests start and own, its stdout and stderr going to a log
/// file. Killed when destroyed.
class ChildProcess {
public:
  /// Starts args[0] (a path) with `environment` ("NAME=value" entries).
  ChildProcess(const std::vector<std::string>& args, const std::vector<std::string>& environment,
               const std::string& logFile);
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  /// The current process's environment, less the ORCH_ variables (a test's
  /// environment is its own).
  static std::vector<std::string> cleanEnvironment();

  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }
  /// Whether the process ended already (then running() turns false).
  bool exited();
  /// Waits for the exit; the exit status, 128 + signal when killed, or -1 on timeout.
  int waitForExit(std::chrono::seconds timeout);
  /// Sends `signal`, waits, and kills it when it does not end in time.
  int stop(int signal, std::chrono::seconds timeout);

private:
  int pid_ = -1;
  int status_ = -1;
};

} // namespace orch::test
