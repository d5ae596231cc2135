#pragma once

#include "engine/CommitQueue.h"
#include "engine/EngineFigures.h"
#include "engine/EngineSettings.h"
#include "engine/ExecutionStore.h"
#include "engine/Plan.h"
#include "engine/RemoteSteps.h"

#include <orchestrator/plugin.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace workflows {

/// What POST workflows/{id}/execute asks for, checked.
struct ExecutionRequest {
  std::string workflowId, workflowVersion, ownerId, correlationId, webhookUrl;
  orch::json agentId, organizationId;      ///< string or null
  orch::json principal, input, metadata;
  int priority = 1;                         ///< 0 low, 1 normal, 2 high
  std::optional<std::int64_t> scheduledAtMs;
  std::optional<std::int64_t> timeoutMs;
  int retryCount = 0;
  std::string executionMode = "async";
  /// Set when a step of another execution started this one ("$run_workflow"):
  /// that step waits for this execution's end.
  std::string parentExecutionId, parentStepId;
  int parentIteration = 0;
  int depth = 0; ///< how many such parents it has
};

/// The durable execution engine (DESIGN.md, "Executions are durable").
///
/// The database holds the truth: an execution row, a row per step outcome,
/// and a job per execution in `wf_jobs`. A host runs an execution while it
/// holds the job's lease, renewing it as it goes; each step's outcome is
/// committed (with the lease checked in the same transaction) before anything
/// depends on it. A host that dies stops renewing: its leases expire and any
/// host claims the jobs and resumes each execution from its committed steps.
/// Steps therefore run at least once, and an execution ends exactly once
/// (the ending deletes the job under the lease).
///
/// Inside a host, independent steps of one execution run in parallel on a
/// pool of workers; waits (delay steps, retry backoff, scheduled_at) are rows
/// the queue honours, so they survive restarts.
class Engine {
public:
  Engine(orch::Plugin& plugin, EngineSettings settings);
  ~Engine();

  void start();
  void stop();
  /// Step types of this plugin, called directly rather than through the
  /// host: the same handlers, without turning the step's context and output
  /// into text and back. Set before start().
  void runLocally(std::map<std::string, orch::StepHandler> handlers) { localSteps_ = std::move(handlers); }
  /// Turns a step's "$run_workflow" ({workflow_id, input}) into the request
  /// of an execution the step's principal may start, or throws (a workflow
  /// it cannot see, or one that cannot run). Set before start().
  using ChildResolver = std::function<ExecutionRequest(const orch::json& spec, const orch::json& principal)>;
  void resolveChildrenWith(ChildResolver resolver) { resolveChild_ = std::move(resolver); }
  /// How deep executions started by steps may nest (an agent calling
  /// itself as a tool stops there).
  static constexpr int kMaxDepth = 8;

  /// The plan of a workflow version, built once and shared.
  std::shared_ptr<const Plan> plan(const std::string& workflowId, const std::string& version);

  /// Stores a new execution and starts it (or queues it for `scheduled_at`).
  /// Returns its row.
  orch::json submit(const ExecutionRequest& request, std::shared_ptr<const Plan> plan);
  /// Cancels a queued, scheduled or running execution: false when it had already ended.
  bool cancel(const std::string& executionId);
  /// Runs a failed or cancelled execution again from the steps that did not
  /// complete: false when it had not ended that way.
  bool retry(const std::string& executionId);
  /// Decides a step waiting for a person (approval): its output gains
  /// `decision` (and its branch), and it goes on at once, here or on the host
  /// that takes the run. False when no step of the execution is waiting so.
  bool resume(const std::string& executionId, const orch::json& decision);
  /// Waits until the execution has ended or `timeoutMs` passed; its row then.
  orch::json waitForEnd(const std::string& executionId, std::int64_t timeoutMs);

  const ExecutionStore& store() const { return store_; }
  /// Deployed agents' workers and the steps offered to them (WorkerPools opens and closes pools).
  RemoteSteps& remote() { return remote_; }
  const EngineSettings& settings() const { return settings_; }
  /// What this host's engine counted since it started (Prometheus).
  const EngineFigures& figures() const { return figures_; }
  /// Statuses an execution can still leave.
  static bool active(const std::string& status) {
    return status == "queued" || status == "scheduled" || status == "running";
  }

  /// Hands a claimed `notify` job to whoever delivers execution summaries.
  /// It must end the job through finishNotify or retryNotify.
  using NotifyHandler = std::function<void(const ExecutionStore::Job&)>;
  void onNotify(NotifyHandler handler) { notify_ = std::move(handler); }
  void finishNotify(const std::string& jobId);
  /// The wait before attempt `attempt + 1`: `baseMs` doubled per attempt,
  /// capped at retry_max_ms, with jitter.
  std::int64_t backoffMs(std::int64_t attempt, std::int64_t baseMs) const;
  void retryNotify(const std::string& jobId, std::int64_t runAtMs, const std::string& error);

private:
  struct Run;
  struct StepState;

  // Workers.
  void post(int priority, std::function<void()> task);
  void workerLoop();
  // The clock: timeouts, wake-ups, lease renewal and polling.
  void clockLoop();
  void tick(std::int64_t now);
  void poll();

  /// The row of a new execution; `local` when this host starts it at once.
  orch::json executionRow(const ExecutionRequest& request, std::int64_t now, bool local) const;
  /// A new execution this host holds, committed already: run it.
  void startHere(const orch::json& row, std::shared_ptr<const Plan> plan);
  /// Whether this host may start one more execution at once.
  bool roomHere();
  std::shared_ptr<Run> makeRun(const orch::json& row, std::shared_ptr<const Plan> plan, const orch::json& stepRows);
  void adopt(const ExecutionStore::Job& job);
  void resumeRun(const std::shared_ptr<Run>& run);
  /// Starts what is ready, ends or releases the run when nothing is left.
  /// `runHere`: the calling worker runs the first ready step itself.
  void dispatch(const std::shared_ptr<Run>& run, bool runHere = false);
  void runStep(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token);
  /// A turn that runs the step type a tool loop's model asked for, with its arguments as config.
  void runToolCall(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token, const orch::json& call,
                   orch::StepContext context);
  /// The rest of a tool call's turn once the tool answered (here or on a worker).
  void toolCallAnswered(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token, orch::json stack,
                        orch::json callerState, orch::json output, std::string error, std::int64_t cpuMicros);
  /// Hands a step of a deployed agent's run to the agent's worker (RemoteSteps);
  /// `then` gets its output or error. False when it runs here: no deployed
  /// agent, or a step type the host keeps (pure, host_only).
  bool offerToWorker(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token, const std::string& type,
                     const orch::StepContext& context, std::function<void(std::optional<orch::json>, std::string)> then);
  /// A step type's traits, from its description (cached); nullopt when no plugin has it.
  std::optional<Plan::StepTraits> traitsOf(const std::string& type);
  // Executions started by a step (EngineChildren.cpp).
  /// After the step's handler, outside the run's lock: its "$run_workflow"
  /// becomes the row of the execution to start (resolved and checked).
  void prepareChild(const Run& run, orch::json& output);
  /// On the writer, inside the transaction that ends a child execution: the
  /// step waiting for it gets its result and its run is made due. Returns
  /// that step's new output (null when no step waits).
  orch::json settleParent(const std::string& parentId, const std::string& stepId, int iteration,
                          const std::string& childId, const std::string& status, const orch::json& output,
                          const std::string& error, orch::Transaction& tx);
  /// A waiting step of a run this host may hold goes on now with `output`.
  void wakeHere(const std::string& executionId, const std::string& stepId, const orch::json& output);
  /// Cancels the executions steps of this one started and that still run.
  void cancelChildren(const std::string& executionId);
  /// On the writer, inside a transaction: whether this host still holds the
  /// run's lease, renewing it.
  bool holdsLease(Run& run, orch::Transaction& tx);
  void attemptEnded(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token,
                    std::optional<orch::json> output, const std::string& error, std::int64_t cpuMicros);
  void completeStep(const std::shared_ptr<Run>& run, std::size_t index, orch::json output, std::unique_lock<std::mutex>& lock);
  /// After a turn that asked for another: the step is pending again, for its next turn.
  static void startTurn(StepState& step);
  /// A back edge was taken: `target` and what follows it start another pass.
  /// False (the run failed) when that passes the graph's recursion_limit.
  bool startPass(const std::shared_ptr<Run>& run, std::size_t target, std::size_t from, std::unique_lock<std::mutex>& lock);
  /// The most turns one pass of a step may take: a handler that never answers is stopped.
  static constexpr int kMaxTurns = 1000;
  void finish(const std::shared_ptr<Run>& run, const std::string& status, const std::string& error,
              const std::string& failedStep, std::unique_lock<std::mutex>& lock);
  void abandon(const std::shared_ptr<Run>& run);
  void forget(const std::string& executionId);
  /// A notify job is no longer this host's to renew.
  void notified(const std::string& jobId);
  /// Publishes an ending and wakes the sync waiters.
  void ended(const std::string& event, const orch::json& payload);
  std::int64_t backoff(int attempt, const orch::json& config) const;
  /// After a step's commit, under the run's lock: whether dispatch has work,
  /// a step this commit unblocked or the run's end. When it has none, a step
  /// still running or committing dispatches once it is done, so a chain of
  /// steps takes no extra hand-over to a worker per commit.
  bool commitUnblocks(const Run& run) const;
  orch::json eventPayload(const Run& run) const;

  orch::Plugin& plugin_;
  EngineSettings settings_;
  EngineFigures figures_;
  ExecutionStore store_;
  CommitQueue commits_;
  const std::string owner_; ///< this host's lease-holder id, new each start
  NotifyHandler notify_;

  std::map<std::string, orch::StepHandler> localSteps_;
  ChildResolver resolveChild_;
  std::mutex plansMutex_;
  std::map<std::string, std::shared_ptr<const Plan>> plans_;
  std::mutex traitsMutex_;
  std::map<std::string, Plan::StepTraits> traits_; ///< per step type, from its description
  RemoteSteps remote_;

  std::mutex runsMutex_;
  std::unordered_map<std::string, std::shared_ptr<Run>> runs_;
  /// Notify jobs being delivered: their leases are renewed with the runs'.
  std::set<std::string> notifying_;

  struct Task {
    int priority;
    std::uint64_t sequence;
    std::function<void()> work;
    bool operator<(const Task& other) const {
      return priority != other.priority ? priority < other.priority : sequence > other.sequence;
    }
  };
  std::mutex tasksMutex_;
  std::condition_variable tasksReady_;
  std::priority_queue<Task> tasks_;
  std::uint64_t sequence_ = 0;
  std::vector<std::thread> workers_;

  std::mutex waitersMutex_;
  std::condition_variable ended_;
  std::atomic<std::uint64_t> endings_{0};

  std::atomic<std::uint64_t> attemptTokens_{0};
  std::atomic<bool> stopping_{false}, polling_{false};
  std::mutex clockMutex_;
  std::condition_variable clockWake_;
  std::thread clock_;
};

} // namespace workflows
