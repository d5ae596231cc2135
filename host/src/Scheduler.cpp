#include "orchestrator/host/Scheduler.h"

#include <Poco/Logger.h>

#include <algorithm>

namespace orch::host {

Scheduler::Scheduler(unsigned workers) {
  for (unsigned i = 0; i < std::max(1u, workers); ++i) workers_.emplace_back([this] { work(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::submit(const std::string& owner, Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back({owner, std::make_shared<Job>(std::move(job))});
  }
  jobsReady_.notify_one();
}

std::uint64_t Scheduler::startTimer(const std::string& owner, std::chrono::milliseconds delay,
                                    std::chrono::milliseconds interval, Job job) {
  std::lock_guard lock(mutex_);
  // Started with the first timer: a scheduler that only runs jobs keeps no idle thread.
  if (!timerThread_.joinable() && !stopping_) timerThread_ = std::thread([this] { tick(); });
  auto id = nextTimerId_++;
  timers_.emplace(id, Timer{owner, Clock::now() + delay, interval, std::make_shared<Job>(std::move(job))});
  timersChanged_.notify_one();
  return id;
}

void Scheduler::cancelTimer(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  timers_.erase(id);
}

void Scheduler::stopOwner(const std::string& owner) {
  std::unique_lock lock(mutex_);
  std::erase_if(timers_, [&](const auto& item) { return item.second.owner == owner; });
  std::erase_if(jobs_, [&](const Queued& queued) { return queued.owner == owner; });
  ownerIdle_.wait(lock, [&] { return running_[owner] == 0; });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    jobs_.clear();
    timers_.clear();
  }
  jobsReady_.notify_all();
  timersChanged_.notify_all();
  for (auto& worker : workers_) worker.join();
  // No timer thread starts once stopping_ is set (startTimer checks it under the lock).
  if (timerThread_.joinable()) timerThread_.join();
}

void Scheduler::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    jobsReady_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    auto queued = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_[queued.owner];
    lock.unlock();
    try {
      (*queued.job)();
    } catch (const std::exception& e) {
      Poco::Logger::get("scheduler").error("job of %s failed: %s", queued.owner, std::string(e.what()));
    } catch (...) {
      Poco::Logger::get("scheduler").error("job of %s failed", queued.owner);
    }
    lock.lock();
    if (--running_[queued.owner] == 0) ownerIdle_.notify_all();
  }
}

void Scheduler::tick() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = Clock::time_point::max();
    auto now = Clock::now();
    for (auto it = timers_.begin(); it != timers_.end();) {
      auto& timer = it->second;
      if (timer.due <= now) {
        jobs_.push_back({timer.owner, timer.job});
        jobsReady_.notify_one();
        if (timer.interval.count() > 0) {
          timer.due = now + timer.interval;
        } else {
          it = timers_.erase(it);
          continue;
        }
      }
      next = std::min(next, timer.due);
      ++it;
    }
    if (next == Clock::time_point::max())
      timersChanged_.wait(lock);
    else
      timersChanged_.wait_until(lock, next);
  }
}

} // namespace orch::host
