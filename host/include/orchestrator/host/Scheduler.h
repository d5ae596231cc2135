#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orch::host {

/// Jobs and timers for plugins: a small pool of worker threads runs jobs; one
/// timer thread hands due timers to the pool, so a slow job delays no timer.
class Scheduler {
public:
  using Job = std::function<void()>;

  explicit Scheduler(unsigned workers);
  ~Scheduler();

  void submit(const std::string& owner, Job job);
  /// Runs `job` after `delay`, then every `interval` when it is non-zero.
  std::uint64_t startTimer(const std::string& owner, std::chrono::milliseconds delay,
                           std::chrono::milliseconds interval, Job job);
  void cancelTimer(std::uint64_t id);
  /// Cancels the owner's timers and waits for its running jobs to finish.
  void stopOwner(const std::string& owner);
  /// Finishes running jobs, drops queued ones, joins every thread.
  void stop();

private:
  using Clock = std::chrono::steady_clock;
  struct Timer {
    std::string owner;
    Clock::time_point due;
    std::chrono::milliseconds interval;
    std::shared_ptr<Job> job;
  };
  struct Queued {
    std::string owner;
    std::shared_ptr<Job> job;
  };

  void work();
  void tick();

  std::mutex mutex_;
  std::condition_variable jobsReady_, timersChanged_, ownerIdle_;
  std::deque<Queued> jobs_;
  std::map<std::uint64_t, Timer> timers_;
  std::map<std::string, int> running_;
  std::uint64_t nextTimerId_ = 1;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread timerThread_;
};

} // namespace orch::host
