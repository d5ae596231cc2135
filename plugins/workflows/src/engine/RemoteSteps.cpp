#include "engine/RemoteSteps.h"

#include <orchestrator/ids.hpp>
#include <orchestrator/time.hpp>

#include <algorithm>
#include <future>

namespace workflows {

using Clock = std::chrono::steady_clock;

namespace {

/// Ends an attempt; what its caller throws stays there, so that one attempt
/// cannot leave the others of a sweep, or a worker's answer, half done.
void finish(const RemoteSteps::Done& done, orch::json result) noexcept {
  try {
    if (done) done(std::move(result));
  } catch (...) {
  }
}

} // namespace

void RemoteSteps::open(const std::string& pool) {
  std::lock_guard lock(mutex_);
  pools_[pool].failed.clear();
}

void RemoteSteps::fail(const std::string& poolName, const std::string& reason) {
  std::vector<Done> waiting;
  {
    std::lock_guard lock(mutex_);
    auto found = pools_.find(poolName);
    if (found == pools_.end()) return;
    auto& pool = found->second;
    pool.failed = reason;
    for (auto& attempt : pool.queued) waiting.push_back(std::move(attempt->done));
    for (auto& [id, attempt] : pool.claimed) waiting.push_back(std::move(attempt->done));
    pool.queued.clear();
    pool.claimed.clear();
  }
  for (auto& done : waiting) finish(done, {{"error", reason}});
}

void RemoteSteps::close(const std::string& poolName) {
  Pool pool;
  {
    std::lock_guard lock(mutex_);
    auto found = pools_.find(poolName);
    if (found == pools_.end()) return;
    pool = std::move(found->second);
    pools_.erase(found);
    changed_.notify_all();
  }
  // Outside the lock: a caller runs its step itself at once.
  for (auto& attempt : pool.queued) finish(attempt->done, {{"closed", true}});
  for (auto& [id, attempt] : pool.claimed) finish(attempt->done, {{"closed", true}});
}

bool RemoteSteps::serves(const std::string& pool) const {
  std::lock_guard lock(mutex_);
  return pools_.count(pool) > 0;
}

void RemoteSteps::requeue(Pool& pool, const std::shared_ptr<Attempt>& attempt, const std::string& reason) {
  attempt->losses += 1;
  attempt->lostBecause = reason;
  attempt->explained = false;
  attempt->lostFrom = attempt->claimedBy;
  pool.queued.push_front(attempt); // it waited longest
}

void RemoteSteps::requeueHeld(Pool& pool, const std::string& lost, const std::string& keep, const std::string& reason) {
  for (auto it = pool.claimed.begin(); it != pool.claimed.end();) {
    const auto& by = it->second->claimedBy;
    if ((!keep.empty() && by == keep) || (!lost.empty() && by != lost)) {
      ++it;
      continue;
    }
    requeue(pool, it->second, reason);
    it = pool.claimed.erase(it);
  }
}

void RemoteSteps::expireLeases(Pool& pool, Clock::time_point now) {
  bool any = false;
  for (auto it = pool.claimed.begin(); it != pool.claimed.end();) {
    if (it->second->leaseUntil > now) {
      ++it;
      continue;
    }
    requeue(pool, it->second, "its worker stopped answering");
    it = pool.claimed.erase(it);
    any = true;
  }
  if (any) changed_.notify_all(); // a claim waiting now takes them
}

bool RemoteSteps::offer(const std::string& poolName, const std::string& type, orch::json context,
                        std::function<bool()> abandoned, Done done) {
  auto attempt = std::make_shared<Attempt>();
  attempt->id = orch::newId();
  attempt->type = type;
  attempt->context = std::move(context);
  attempt->abandoned = std::move(abandoned);
  attempt->done = std::move(done);
  std::string failed;
  {
    std::lock_guard lock(mutex_);
    auto found = pools_.find(poolName);
    if (found == pools_.end()) return false;
    // Stopping: never answered here, and never run by the host instead; the next start resumes it.
    if (stopping_) return true;
    failed = found->second.failed;
    if (failed.empty()) {
      found->second.queued.push_back(attempt);
      changed_.notify_all();
      return true;
    }
  }
  finish(attempt->done, {{"error", failed}});
  return true;
}

void RemoteSteps::collectEnded(Pool& pool, std::vector<std::pair<Done, orch::json>>& ended) {
  auto now = Clock::now();
  auto ends = [&](const std::shared_ptr<Attempt>& attempt) {
    if (attempt->losses >= settings_.maxLosses) {
      // Its failure names why the worker died: the deployment says so (workerLost) soon after it sees it.
      if (!attempt->explained && attempt->failAt == Clock::time_point{}) attempt->failAt = now + std::chrono::seconds(5);
      if (!attempt->explained && now < attempt->failAt) return false;
      ended.emplace_back(attempt->done, orch::json{{"error", "The agent's worker was lost " + std::to_string(attempt->losses) +
                                                               " times while it ran this step (" + attempt->lostBecause + ")"}});
      return true;
    }
    // Dropped without an answer: whoever abandoned it has ended the attempt.
    return attempt->abandoned && attempt->abandoned();
  };
  std::erase_if(pool.queued, ends);
  std::erase_if(pool.claimed, [&](const auto& held) { return held.second->abandoned && held.second->abandoned(); });
}

void RemoteSteps::sweep() {
  std::vector<std::pair<Done, orch::json>> ended;
  {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    for (auto& [name, pool] : pools_) {
      expireLeases(pool, now);
      collectEnded(pool, ended);
    }
  }
  for (auto& [done, result] : ended) finish(done, std::move(result));
}

orch::json RemoteSteps::claim(const std::string& poolName, const std::string& worker, std::size_t max,
                              std::chrono::milliseconds wait, const std::vector<std::string>& running) {
  // Well inside a lease: the claim that renews the leases of what the worker runs comes back in time.
  auto deadline = Clock::now() + std::min<std::chrono::milliseconds>(wait, settings_.lease / 3);
  std::unique_lock lock(mutex_);
  auto out = orch::json::array();
  for (;;) {
    auto found = pools_.find(poolName);
    if (found == pools_.end() || stopping_) return out;
    auto& pool = found->second;
    auto now = Clock::now();
    if (pool.superseded.count(worker)) return out;
    pool.lastSeenMs = orch::nowMs();
    if (worker != pool.worker) {
      if (!pool.worker.empty()) pool.superseded.insert(pool.worker);
      // A new worker: the one before it is gone, and so are the steps it ran;
      // why, the deployment said a moment ago when it saw the container restart.
      bool known = !pool.reported.empty() && now - pool.reportedAt < std::chrono::seconds(10);
      requeueHeld(pool, "", worker, known ? pool.reported : "its worker stopped and another took its place");
      if (known)
        for (auto& attempt : pool.queued)
          if (attempt->losses > 0 && attempt->lostFrom != worker) attempt->explained = true;
      pool.worker = worker;
    }
    for (const auto& id : running) {
      if (auto held = pool.claimed.find(id); held != pool.claimed.end()) {
        held->second->leaseUntil = now + settings_.lease;
        continue;
      }
      // Put back while this very worker still runs it (a lease it renewed late): it is its again, not run twice.
      auto back = std::find_if(pool.queued.begin(), pool.queued.end(),
                               [&](const auto& attempt) { return attempt->id == id && attempt->lostFrom == worker; });
      if (back == pool.queued.end()) continue;
      auto attempt = *back;
      pool.queued.erase(back);
      attempt->claimedBy = worker;
      attempt->losses -= 1;
      attempt->leaseUntil = now + settings_.lease;
      pool.claimed[attempt->id] = attempt;
    }
    std::size_t taken = 0;
    for (auto it = pool.queued.begin(); it != pool.queued.end();) {
      bool health = (*it)->type == "$health";
      if ((!health && taken >= max) || (*it)->losses >= settings_.maxLosses) {
        ++it;
        continue;
      }
      auto attempt = *it;
      attempt->claimedBy = worker;
      attempt->leaseUntil = now + settings_.lease;
      pool.claimed[attempt->id] = attempt;
      out.push_back({{"id", attempt->id}, {"type", attempt->type}, {"context", attempt->context}});
      if (!health) ++taken;
      it = pool.queued.erase(it);
    }
    if (!out.empty() || now >= deadline) return out;
    changed_.wait_until(lock, deadline);
  }
}

bool RemoteSteps::answer(const std::string& poolName, const std::string& id, const orch::json& result) {
  Done done;
  {
    std::lock_guard lock(mutex_);
    auto found = pools_.find(poolName);
    if (found == pools_.end()) return false;
    auto held = found->second.claimed.find(id);
    if (held == found->second.claimed.end()) return false;
    done = std::move(held->second->done);
    found->second.claimed.erase(held);
  }
  finish(done, result);
  return true;
}

std::optional<orch::json> RemoteSteps::held(const std::string& poolName, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto found = pools_.find(poolName);
  if (found == pools_.end()) return std::nullopt;
  auto attempt = found->second.claimed.find(id);
  if (attempt == found->second.claimed.end()) return std::nullopt;
  return attempt->second->context;
}

void RemoteSteps::workerLost(const std::string& poolName, const std::string& worker, const std::string& reason) {
  std::lock_guard lock(mutex_);
  auto found = pools_.find(poolName);
  if (found == pools_.end()) return;
  auto& pool = found->second;
  pool.reported = reason;
  pool.reportedAt = Clock::now();
  requeueHeld(pool, worker, "", reason);
  // What was just put back, and what the worker that took its place put back
  // (lost by a worker that is gone, not the current one), learn why.
  for (auto& attempt : pool.queued)
    if (attempt->losses > 0 && (attempt->lostFrom == worker || attempt->lostFrom != pool.worker)) {
      attempt->lostBecause = reason;
      attempt->explained = true;
    }
  changed_.notify_all();
}

std::optional<orch::json> RemoteSteps::check(const std::string& pool, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto answer = std::make_shared<std::promise<orch::json>>();
  auto future = answer->get_future();
  auto offered = offer(pool, "$health", orch::json::object(), [deadline] { return Clock::now() >= deadline; },
                       [answer](orch::json result) { answer->set_value(std::move(result)); });
  if (!offered || future.wait_until(deadline) != std::future_status::ready) return std::nullopt;
  auto result = future.get();
  if (!result.contains("output")) return std::nullopt;
  return result["output"];
}

std::int64_t RemoteSteps::lastSeenMs(const std::string& poolName) const {
  std::lock_guard lock(mutex_);
  auto found = pools_.find(poolName);
  return found == pools_.end() ? 0 : found->second.lastSeenMs;
}

void RemoteSteps::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

} // namespace workflows
