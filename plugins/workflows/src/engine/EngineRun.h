#pragma once

// What the engine keeps of the executions this host runs. Private to the
// engine's own files (Engine*.cpp): the rest of the plugin sees only Engine.h.
#include "engine/Engine.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace workflows {

/// One step of a run, as this host knows it.
struct Engine::StepState {
  enum class Status { Pending, Running, Committing, Waiting, Completed, Failed, Skipped };
  Status status = Status::Pending;
  int attempts = 0;
  std::uint64_t token = 0;       ///< the attempt under way; a late answer of an older one is ignored
  std::int64_t deadlineMs = 0;   ///< when the running attempt times out
  std::int64_t limitMs = 0;      ///< the running attempt's time limit
  std::int64_t wakeMs = 0;       ///< when a waiting step goes on
  bool suspended = false;        ///< waiting because the step asked to (delay), not for a retry
  bool provisional = false;      ///< committing a pure step's output, which pure steps may already use
  orch::json output;             ///< a suspended step's output, kept for when it wakes
  std::string startedAt;
  // Steps that run more than once (DESIGN.md's cycles, a tool loop's turns).
  int iteration = 1;             ///< the row of this run of the step: 1, 2, ...
  int pass = 1;                  ///< the pass of the graph's cycle, bounded by recursion_limit
  int turns = 0;                 ///< runs in this pass that asked for another ("$continue")
  orch::json previous;           ///< the last turn's output, which the next one reads as pass.previous
  orch::json call;               ///< {type, config, id, name}: this turn runs that step type as a tool call
};

/// Adds the wall time of a step's own work to its run's stepMicros and to
/// the engine's histogram of steps.
struct StepClock {
  std::atomic<std::int64_t>& into;
  EngineFigures& figures;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ~StepClock() {
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    into += micros;
    figures.stepTook(micros);
  }
};

/// An execution this host holds the lease of.
struct Engine::Run {
  std::mutex mutex;
  std::string id, jobId, workflowId, webhookUrl;
  std::shared_ptr<const Plan> plan;
  orch::json principal, scope, ownerId, organizationId, agentId;
  int priority = 1;
  int retryCount = 0;
  std::string parentId, parentStep; ///< the step that started this run and waits for it, if any
  int parentIteration = 0, depth = 0;
  std::int64_t startedMs = 0, deadlineMs = 0, cpuMicros = 0, peakBytes = 0;
  std::int64_t sequence = 0; ///< outputs committed so far, the order state is replayed in
  // Where the run's time went: all of it since this host took it, and the
  // part spent in its steps' own work (handlers: a model, a tool), so that
  // the rest is the engine's.
  std::chrono::steady_clock::time_point tookAt = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> stepMicros{0};
  std::vector<StepState> steps;
  bool dispatchPending = false; ///< a task to dispatch after committed steps is on its way
  bool finished = false; ///< ended, cancelled, released or lost: nothing more happens here
  // The lease as last checked by the writer thread (only it touches these).
  std::uint64_t leaseCheckedIn = 0; ///< CommitQueue::transactionNumber() of the check
  bool leaseHeld = false;
};

} // namespace workflows
