#pragma once

#include "Cgroups.h"
#include "CpuSampler.h"
#include "Runtime.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace containers {

/// The `process` runtime: each worker a child process of the host, needing
/// no daemon. Its limits are a control group of its own where the machine
/// lets the host make one (Cgroups), rlimits otherwise (RLIMIT_DATA for memory;
/// no CPU limit then, said in `notes`); network "none" is a network
/// namespace of its own, with nothing in it, where the host may make one.
/// Workers live and die with the host (PR_SET_PDEATHSIG): a host that
/// restarts finds none left and its agents start theirs again.
///
/// Every fork and every wait happens on one thread of its own (the
/// supervisor): a child's death signal is tied to the thread that forked it,
/// and a worker that exits unasked is started again from there, with backoff.
class ProcessRuntime : public Runtime {
public:
  struct Settings {
    std::string dir;        ///< containers.process.dir: a folder per container (its output, its data)
    std::string executable; ///< the host's binary, run as `<executable> worker`
    bool cgroups = true;    ///< containers.process.cgroups: false limits by rlimits only
  };
  explicit ProcessRuntime(Settings settings);
  ~ProcessRuntime() override;

  runtime::Container start(const runtime::StartRequest& request) override;
  void remove(const std::string& id) override;
  runtime::Container restart(const std::string& id) override;
  runtime::Container inspect(const std::string& id) override;
  runtime::Usage stats(const std::string& id) override;
  orch::json logs(const runtime::LogQuery& query) override;
  std::vector<runtime::Container> list(const std::map<std::string, std::string>& labels) override;

private:
  struct Proc {
    std::string id;
    runtime::StartRequest spec;
    long pid = 0;
    std::string status = "created";
    int restartCount = 0;
    std::optional<int> exitCode;
    bool oomKilled = false, stopping = false;
    std::string error, startedAt, enforcedBy;
    std::optional<Cgroups::Group> group;
    std::vector<std::string> notes;
    std::int64_t oomKillsSeen = 0;
    std::chrono::steady_clock::time_point restartAt;
  };

  /// Runs `task` on the supervisor thread and waits for it.
  void onSupervisor(std::function<void()> task);
  void supervise();
  /// On the supervisor: forks and execs the worker of `proc` (its cgroup made already).
  void spawn(Proc& proc);
  /// On the supervisor: reaps what exited and restarts it when its policy says so.
  void reap();
  /// On the supervisor: stops the process (TERM, then KILL after a grace) and reaps it.
  void kill(Proc& proc);
  void note(const Proc& proc, const std::string& level, const std::string& message) const;
  runtime::Container view(const Proc& proc) const;
  std::shared_ptr<Proc> find(const std::string& id) const;
  std::optional<std::int64_t> cpuNanos(const Proc& proc) const;

  Settings settings_;
  Cgroups cgroups_;
  bool netnsAllowed_ = false;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Proc>> procs_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread supervisor_;
  CpuSampler cpu_;
};

} // namespace containers
