#pragma once

#include "ChildProcess.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace orch::test {

/// The real `orchestrator` binary, started on a free loopback port with a
/// fresh data directory, its output kept in a log file for assertions.
class HostProcess {
public:
  struct Options {
    std::string pluginsDir = ORCH_FIXTURE_PLUGIN_DIR;
    std::string config;                          ///< properties text, written to a file
    std::map<std::string, std::string> env;      ///< extra environment
    std::vector<std::string> args;               ///< extra arguments
    std::string dataDir;                         ///< empty: a fresh temporary one
    bool waitUntilReady = true;
  };

  explicit HostProcess(Options options);
  HostProcess() : HostProcess(Options{}) {}
  ~HostProcess();
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;

  int port() const { return port_; }
  const std::string& dataDir() const { return dataDir_; }
  /// Everything the process printed so far. The host writes its log on a
  /// thread of its own, so a line about something that just happened may not
  /// be there yet: to look for one, use waitForLog.
  std::string logs() const;
  /// Whether `text` appears in the log within `timeout` (polled; at once when
  /// it is there already). Use it for every line a test expects.
  bool waitForLog(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
  /// Waits until everything the host logged before this call is in the file
  /// (a request of its own, whose access-log line comes after): then a test
  /// may check that something is not in the log. Needs log.access on.
  void waitForLogToCatchUp() const;
  /// Sends `signal` and waits for the exit; returns the exit status (or
  /// 128 + signal when killed by a signal).
  int stop(int signal = 15, std::chrono::seconds timeout = std::chrono::seconds(20));
  /// Waits for the process to exit on its own (e.g. a refused start).
  int waitForExit(std::chrono::seconds timeout = std::chrono::seconds(20));
  bool running() const { return process_.running(); }
  int pid() const { return process_.pid(); }
  /// Waits until the server listens and sets port() (for a host started
  /// with waitUntilReady = false, which serves /ready before it is ready).
  void waitUntilListening();

private:
  void waitForReady();

  Options options_;
  std::string dataDir_, logFile_;
  bool ownsDataDir_ = false;
  ChildProcess process_;
  int port_ = 0;
};

/// A plugin folder (in the temporary directory, one per process and `tag`)
/// holding symbolic links to the given plugin files, so a host loads exactly
/// those. Made once; later calls return the same folder.
std::string linkedPluginFolder(const std::string& tag, const std::vector<std::string>& pluginFiles);

} // namespace orch::test
