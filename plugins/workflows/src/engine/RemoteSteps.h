#pragma once

#include <orchestrator/plugin.hpp>

#include <chrono>
#include <condition_variable>
#include <utility>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace workflows {

/// Steps of deployed agents, run by their workers (README, "Workers").
///
/// An agent deployed in a container of its own has a pool here (named by the
/// agent's id). A step of one of its executions that does work is not run by
/// a host thread: the engine offers it to the pool, and no thread waits for
/// it; the pool's worker claims it over the link, runs it and answers, and
/// the answer ends the attempt as a host thread's would. A claim is a lease that each claim of
/// the same worker renews: a worker that stops asking (killed, its container
/// gone) loses its attempts when the lease runs out, or at once when the
/// deployment says it is gone (workerLost), and they wait for the next worker.
/// Nothing is lost: the engine still holds the step and its run's lease.
class RemoteSteps {
public:
  struct Settings {
    std::chrono::milliseconds lease{15000}; ///< a claimed attempt goes back unless its worker asks again within it
    int maxLosses = 3; ///< the step fails after its worker was lost this many times while running it
  };
  explicit RemoteSteps(Settings settings) : settings_(settings) {}
  ~RemoteSteps() { stop(); }

  /// A pool's worker may claim from now on.
  void open(const std::string& pool);
  /// The pool is gone (undeployed): what waits in it is run by the callers themselves.
  void close(const std::string& pool);
  bool serves(const std::string& pool) const;

  /// What became of an attempt: {output}, {error}, or {closed: true} when
  /// the pool closed before a worker answered (the caller then runs it itself).
  using Done = std::function<void(orch::json result)>;
  /// Hands step type `type` with `context` ({execution_id, step_id, config,
  /// input, principal}) to the pool's worker; `done` is called once, on the
  /// thread that ends it (an answer, a sweep, close). False when no such pool
  /// is open: the caller runs the step itself. Once `abandoned` says true (the
  /// step timed out, its run ended), the next sweep drops the attempt unanswered.
  bool offer(const std::string& pool, const std::string& type, orch::json context, std::function<bool()> abandoned,
             Done done);
  /// Puts back what workers no longer renew, fails what was lost too often,
  /// drops what was abandoned. Called by the engine's clock.
  void sweep();

  /// Worker `worker` (an id of its own, new each start) of `pool` asks for
  /// up to `max` attempts, waiting up to `wait` for one; `running` are the
  /// attempts it still runs (their leases are renewed). A pool has one
  /// worker: a new one means the last is gone, and what that one held is
  /// offered again at once. Returns [{id, type, context}]; health checks
  /// come whatever `max` is.
  orch::json claim(const std::string& pool, const std::string& worker, std::size_t max, std::chrono::milliseconds wait,
                   const std::vector<std::string>& running);
  /// The worker's answer to an attempt: {output} or {error}. False when
  /// nothing waits for it any more (abandoned, or lost and claimed again).
  bool answer(const std::string& pool, const std::string& id, const orch::json& result);
  /// Worker `worker` of the pool is gone (the deployment saw it die; empty:
  /// whichever held attempts): what it held waits for the next one at once,
  /// and `reason` is what a step lost too often fails with.
  void workerLost(const std::string& pool, const std::string& worker, const std::string& reason);

  /// The pool's worker will not come back: what waits fails with `reason`,
  /// and so does what is offered, until open() again.
  void fail(const std::string& pool, const std::string& reason);

  /// Asks the pool's worker how it is ("$health", answered by the worker
  /// itself): its answer, or nullopt when none answered within `timeout`.
  std::optional<orch::json> check(const std::string& pool, std::chrono::milliseconds timeout);
  /// When a worker of the pool last asked for work (epoch ms, 0 when never).
  std::int64_t lastSeenMs(const std::string& pool) const;

  /// The context of attempt `id` while the pool's worker holds it (it may
  /// call services for it, as its principal), else nullopt.
  std::optional<orch::json> held(const std::string& pool, const std::string& id) const;

  /// Wakes every claim; what is still offered is never answered.
  void stop();

private:
  struct Attempt {
    std::string id, type;
    orch::json context;
    std::chrono::steady_clock::time_point leaseUntil;
    int losses = 0;
    std::string lostBecause, claimedBy, lostFrom;
    bool explained = false; ///< lostBecause is the deployment's account (workerLost), not a guess
    std::chrono::steady_clock::time_point failAt{}; ///< lost too often: fails then, unless explained sooner
    std::function<bool()> abandoned;
    Done done;
  };
  struct Pool {
    std::deque<std::shared_ptr<Attempt>> queued;
    std::map<std::string, std::shared_ptr<Attempt>> claimed;
    std::int64_t lastSeenMs = 0;
    std::string failed; ///< why its worker will not come back, when it will not
    std::string worker; ///< the worker that claimed last
    /// Workers another took the place of. A dead one's claim may still be
    /// waiting in the host (its connection gone unnoticed): it takes nothing.
    std::set<std::string> superseded;
    std::string reported; ///< why the deployment last said a worker was lost (workerLost)
    std::chrono::steady_clock::time_point reportedAt{};
  };
  /// Puts back, under the lock, what the pool's worker claimed but no longer renews.
  void expireLeases(Pool& pool, std::chrono::steady_clock::time_point now);
  /// Takes out, under the lock, what must end now (lost too often, abandoned), with its result.
  void collectEnded(Pool& pool, std::vector<std::pair<Done, orch::json>>& ended);
  static void requeue(Pool& pool, const std::shared_ptr<Attempt>& attempt, const std::string& reason);
  /// Puts back what workers other than `keep` hold (none kept when empty).
  static void requeueHeld(Pool& pool, const std::string& lost, const std::string& keep, const std::string& reason);

  Settings settings_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Pool> pools_;
  bool stopping_ = false;
};

} // namespace workflows
