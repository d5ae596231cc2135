#include "HttpWorkers.h"

#include <thread>

namespace orch::host {
namespace {

/// A request that waited this long for a worker means the workers are blocked, not busy.
constexpr auto kGrowAfter = std::chrono::milliseconds(2);
constexpr auto kIdleEnd = std::chrono::seconds(60);

} // namespace

HttpWorkers::HttpWorkers(unsigned min, unsigned max, std::size_t queueLimit, Run run)
    : min_(std::max(1u, std::min(min, max))), max_(std::max(1u, max)), queueLimit_(queueLimit), run_(std::move(run)) {
  std::lock_guard lock(mutex_);
  while (threads_ < min_) growLocked();
  watching_ = true;
  std::thread([this] { watch(); }).detach();
}

HttpWorkers::~HttpWorkers() { stop(); }

unsigned HttpWorkers::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

void HttpWorkers::growLocked() {
  ++threads_;
  ++idle_;
  std::thread([this] { work(); }).detach(); // stop() waits for every one through ended_
}

bool HttpWorkers::submit(std::shared_ptr<HttpConnection> connection) {
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() >= queueLimit_) return false;
  queue_.push_back({std::move(connection), Clock::now()});
  if (queue_.size() == 1) queued_.notify_one();
  ready_.notify_one();
  return true;
}

void HttpWorkers::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      queued_.wait(lock);
      continue;
    }
    if (idle_ == 0 && threads_ < max_ && Clock::now() - queue_.front().at >= kGrowAfter) growLocked();
    queued_.wait_for(lock, kGrowAfter);
  }
  watching_ = false;
  ended_.notify_all();
}

void HttpWorkers::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (queue_.empty() && !stopping_) {
      bool woke = ready_.wait_for(lock, kIdleEnd, [this] { return stopping_ || !queue_.empty(); });
      if (!woke && threads_ > min_) break;
      continue;
    }
    if (stopping_) break;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    --idle_;
    lock.unlock();
    run_(std::move(job.connection));
    lock.lock();
    ++idle_;
  }
  --idle_;
  --threads_;
  ended_.notify_all();
}

void HttpWorkers::stop() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  queue_.clear();
  ready_.notify_all();
  queued_.notify_all();
  ended_.wait(lock, [this] { return threads_ == 0 && !watching_; });
}

} // namespace orch::host
