// A step's output and a run's ending, written through the commit queue under
// the run's lease, and the events they publish once committed.
#include "engine/EngineRun.h"

#include <orchestrator/time.hpp>

#include <algorithm>

namespace workflows {

using orch::nowMs;

namespace {

orch::json numberOrNull(const orch::json& output, const char* key) {
  if (!output.is_object()) return nullptr;
  auto found = output.find(key);
  return found != output.end() && found->is_number() ? *found : orch::json();
}

} // namespace

bool Engine::holdsLease(Run& run, orch::Transaction& tx) {
  // Renewed once per transaction: the pieces of one batch that belong to the
  // same run share the answer (a failed batch is replayed in new transactions,
  // which check again).
  auto number = commits_.transactionNumber();
  if (run.leaseCheckedIn != number) {
    run.leaseHeld = store_.renewLease(run.jobId, owner_, nowMs() + settings_.leaseMs, tx);
    run.leaseCheckedIn = number;
  }
  return run.leaseHeld;
}

void Engine::completeStep(const std::shared_ptr<Run>& run, std::size_t index, orch::json output,
                          std::unique_lock<std::mutex>& lock) {
  using S = StepState::Status;
  auto& step = run->steps[index];
  const auto& planned = run->plan->steps()[index];
  // A turn that asks for another ("$continue", a tool loop's model turn or
  // tool call) commits as its own row; the step then runs again, reading it.
  bool again = output.is_object() && output.contains("$continue");
  if (again && step.turns + 1 >= kMaxTurns) {
    finish(run, "failed", "Step '" + planned.id + "' asked for more than " + std::to_string(kMaxTurns) + " turns", planned.id,
           lock);
    return;
  }
  step.status = S::Committing;
  auto now = nowMs();
  auto text = output.dump();
  auto nowText = orch::rfc3339Millis(now);
  run->peakBytes = std::max<std::int64_t>(run->peakBytes, static_cast<std::int64_t>(text.size()));
  auto row = orch::json{{"status", "completed"},
                        {"iteration", step.iteration},
                        {"pass", step.pass},
                        {"seq", ++run->sequence},
                        {"attempts", step.attempts},
                        {"output", std::move(text)},
                        {"error", nullptr},
                        {"wake_ms", nullptr},
                        {"tokens_used", numberOrNull(output, "tokens_used")},
                        {"cost", numberOrNull(output, "cost")},
                        {"started_at", step.startedAt.empty() ? nowText : step.startedAt},
                        {"completed_at", nowText}};
  // In the scope at once: only pure steps read it before the commit (see dispatch).
  step.provisional = planned.pure && !again;
  if (again) {
    step.previous = std::move(output);
  } else {
    if (!run->plan->state().empty()) run->plan->reduce(run->scope["state"], output);
    run->scope["steps"][planned.id] = {{"output", std::move(output)}, {"status", "completed"}};
  }
  auto saved = std::make_shared<bool>(false);
  commits_.post(
      [this, run, stepId = planned.id, row = std::move(row), saved](orch::Transaction& tx) {
        *saved = holdsLease(*run, tx);
        if (*saved) store_.saveStep(run->id, stepId, row, tx);
      },
      [this, run, index, again, saved](std::exception_ptr error) {
        if (error || !*saved) return abandon(run);
        bool first = false;
        orch::json event;
        {
          std::lock_guard lock(run->mutex);
          auto& done = run->steps[index];
          const auto& planned = run->plan->steps()[index];
          event = eventPayload(*run);
          event["step_id"] = planned.id;
          event["step_name"] = planned.name;
          event["step_type"] = done.call.is_object() ? done.call.value("type", planned.type) : planned.type;
          event["iteration"] = done.iteration;
          if (!run->finished) {
            if (again) {
              startTurn(done);
            } else {
              done.status = S::Completed;
              done.provisional = false;
            }
            first = !run->dispatchPending && (again || !planned.backEdges.empty() || commitUnblocks(*run));
            if (first) run->dispatchPending = true;
          }
        }
        // Published here, in commit order, so that clients see every step
        // before an ending that committed after it (also when the run has
        // already ended on a provisional output).
        plugin_.publish("step_completed", event);
        // Dispatch off the writer thread, which has other runs' commits to
        // make; one task for all the steps of a run that one batch committed.
        if (first)
          post(run->priority, [this, run] {
            {
              std::lock_guard lock(run->mutex);
              run->dispatchPending = false;
            }
            dispatch(run, true); // this worker goes on with the next step itself: no second hand-over
          });
      });
}

void Engine::startTurn(StepState& step) {
  step.status = StepState::Status::Pending;
  step.iteration += 1;
  step.turns += 1;
  step.attempts = 0;
  step.startedAt.clear();
  // Calls under way go on with the innermost; a call's answer is followed by
  // the step's own turn; a turn that asks for a call, by the call.
  const auto& previous = step.previous;
  if (!previous.is_object()) step.call = nullptr;
  else if (previous.contains("$stack") && !previous["$stack"].empty()) step.call = previous["$stack"].back()["call"];
  else if (previous.contains("tool_call")) step.call = nullptr;
  else step.call = previous.value("$call", orch::json());
}

void Engine::finish(const std::shared_ptr<Run>& run, const std::string& status, const std::string& error,
                    const std::string& failedStep, std::unique_lock<std::mutex>&) {
  if (run->finished) return;
  run->finished = true;
  auto now = nowMs();
  // The output is what the last steps produced: one final step's output as
  // it is, several keyed by step id.
  orch::json output;
  if (status == "completed") {
    orch::json finals = orch::json::object();
    for (std::size_t i = 0; i < run->plan->size(); ++i) {
      const auto& planned = run->plan->steps()[i];
      if (run->steps[i].status != StepState::Status::Completed) continue;
      bool last = std::none_of(planned.outgoing.begin(), planned.outgoing.end(), [&](std::size_t next) {
        bool back = std::find(planned.backEdges.begin(), planned.backEdges.end(), next) != planned.backEdges.end();
        return !back && run->steps[next].status == StepState::Status::Completed;
      });
      if (last) finals[planned.id] = run->scope["steps"][planned.id]["output"];
    }
    output = finals.size() == 1 ? finals.begin().value() : finals;
  }
  orch::json columns = {{"status", status},
                        {"output", output.is_null() ? orch::json() : orch::json(output.dump())},
                        {"error", error.empty() ? orch::json() : orch::json(error)},
                        {"failed_step", failedStep.empty() ? orch::json() : orch::json(failedStep)},
                        {"completed_at", orch::rfc3339Millis(now)},
                        {"duration_ms", now - run->startedMs},
                        {"cpu_us", run->cpuMicros},
                        {"wall_us", std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - run->tookAt).count()},
                        {"step_us", run->stepMicros.load()},
                        {"peak_bytes", run->peakBytes}};
  auto payload = eventPayload(*run);
  payload["status"] = status;
  payload["duration_ms"] = now - run->startedMs;
  if (!error.empty()) payload["error"] = error;
  if (!failedStep.empty()) payload["failed_step"] = failedStep;
  if (status == "completed") payload["output_data"] = output;
  auto ended = std::make_shared<bool>(false);
  auto settled = std::make_shared<orch::json>();
  commits_.post(
      [this, run, columns, ended, settled, status, output, error](orch::Transaction& tx) {
        *ended = store_.finishJob(run->jobId, owner_, tx);
        if (!*ended) return;
        store_.updateExecution(run->id, columns, {"running"}, tx);
        if (!run->webhookUrl.empty())
          store_.insertJob(ExecutionStore::notifyJobId(run->id), "notify", run->id, 1, nowMs(), "", 0, tx);
        // The step that started this run learns its end in the same commit.
        if (!run->parentId.empty())
          *settled = settleParent(run->parentId, run->parentStep, run->parentIteration, run->id, status, output, error, tx);
      },
      [this, run, status, payload, ended, settled](std::exception_ptr error) {
        forget(run->id);
        if (error) {
          plugin_.logError("workflow engine: could not end execution " + run->id + "; its lease will run out and it resumes");
          return;
        }
        if (!*ended) return;
        if (!settled->is_null()) wakeHere(run->parentId, run->parentStep, *settled);
        // What a failed run started is not wanted any more (off the writer: cancel commits).
        if (status != "completed") post(2, [this, id = run->id] { cancelChildren(id); });
        this->ended("execution_" + status, payload);
      });
}

void Engine::ended(const std::string& event, const orch::json& payload) {
  figures_.ended(event);
  plugin_.publish(event, payload);
  {
    std::lock_guard lock(waitersMutex_);
    ++endings_;
  }
  ended_.notify_all();
}

bool Engine::commitUnblocks(const Run& run) const {
  using S = StepState::Status;
  const auto& plan = *run.plan;
  // Nothing else in flight: this may be the end, which dispatch decides.
  bool stillBusy = std::any_of(run.steps.begin(), run.steps.end(), [](const StepState& step) {
    return step.status == S::Running || step.status == S::Committing;
  });
  if (!stillBusy) return true;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (run.steps[i].status != S::Pending) continue;
    bool settled = true;
    for (const auto& edge : plan.steps()[i].incoming) {
      if (edge.back) continue;
      auto before = run.steps[edge.from].status;
      settled = settled && (before == S::Completed || before == S::Skipped);
    }
    if (settled) return true;
  }
  return false;
}

orch::json Engine::eventPayload(const Run& run) const {
  std::size_t completed = 0;
  for (const auto& step : run.steps)
    if (step.status == StepState::Status::Completed) ++completed;
  return {{"execution_id", run.id},
          {"workflow_id", run.workflowId},
          {"owner_id", run.ownerId},
          {"organization_id", run.organizationId},
          {"agent_id", run.agentId},
          {"status", "running"},
          {"progress", {{"completed_steps", completed}, {"total_steps", run.steps.size()}}},
          {"timestamp", orch::rfc3339Millis(nowMs())}};
}

} // namespace workflows
