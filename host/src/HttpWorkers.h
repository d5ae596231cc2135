#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace orch::host {

struct HttpConnection;

/// The threads that run handlers. It starts with `min` and adds one, up to
/// `max`, each time the oldest request has waited 2 ms with no worker free
/// (handlers that block, such as an LLM call, hold theirs), so quick
/// requests keep to as many threads as there are cores while blocked ones
/// get a thread each; a thread idle for a minute ends. A watchdog thread
/// looks at the queue while it is not empty.
class HttpWorkers {
public:
  using Run = std::function<void(std::shared_ptr<HttpConnection>)>;

  HttpWorkers(unsigned min, unsigned max, std::size_t queueLimit, Run run);
  ~HttpWorkers();

  /// False when `queueLimit` requests already wait: the caller answers 503.
  bool submit(std::shared_ptr<HttpConnection> connection);
  /// Drops queued requests, waits for running ones, ends every thread.
  void stop();
  unsigned threads() const;

private:
  using Clock = std::chrono::steady_clock;
  struct Queued {
    std::shared_ptr<HttpConnection> connection;
    Clock::time_point at;
  };
  void growLocked();
  void work();
  void watch();

  const unsigned min_, max_;
  const std::size_t queueLimit_;
  Run run_;
  mutable std::mutex mutex_;
  std::condition_variable ready_, ended_, queued_;
  std::deque<Queued> queue_;
  unsigned threads_ = 0, idle_ = 0;
  bool stopping_ = false;
  bool watching_ = false;
};

} // namespace orch::host
