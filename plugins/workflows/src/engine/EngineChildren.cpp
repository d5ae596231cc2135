// Executions a step starts ("$run_workflow": a `workflow` step, an agent
// called as a tool): the child is inserted in the transaction that records
// its step as waiting, so a crash starts it once or not at all; its end,
// in the transaction that ends it, gives the step its result and makes the
// parent due again, wherever the parent runs next.
#include "engine/EngineRun.h"

#include <orchestrator/time.hpp>

namespace workflows {

using orch::nowMs;

void Engine::prepareChild(const Run& run, orch::json& output) {
  // Whatever throws here fails the step's attempt (a tool call's, its model reads it).
  if (!resolveChild_) throw std::runtime_error("This host cannot start a workflow from a step");
  if (run.depth + 1 > kMaxDepth)
    throw std::runtime_error("Workflows started by steps nest at most " + std::to_string(kMaxDepth) +
                             " deep (does an agent call itself?)");
  auto request = resolveChild_(output["$run_workflow"], run.principal);
  request.parentExecutionId = run.id;
  request.depth = run.depth + 1;
  request.priority = run.priority;
  auto row = executionRow(request, nowMs(), roomHere());
  // A step that named no time limit (not through orch::runWorkflow) waits as long as a step may run.
  if (!output.contains("$suspend_until")) output["$suspend_until"] = nowMs() + settings_.stepTimeoutMs;
  output["awaiting"] = "execution";
  output["execution_id"] = row["id"];
  output["$run_workflow"] = std::move(row); // its parent step and iteration are set when it commits
}

orch::json Engine::settleParent(const std::string& parentId, const std::string& stepId, int iteration,
                                const std::string& childId, const std::string& status, const orch::json& output,
                                const std::string& error, orch::Transaction& tx) {
  auto parent = store_.execution(parentId, &tx);
  if (!parent || (*parent)["status"] != "running") return nullptr;
  auto row = store_.step(parentId, stepId, iteration, &tx);
  if (!row || (*row)["status"] != "waiting" || !(*row)["output"].is_string()) return nullptr;
  auto waiting = orch::json::parse((*row)["output"].get<std::string>());
  // Only the step still waiting for this very child (not one that timed out and went on).
  if (waiting.value("awaiting", std::string()) != "execution" || waiting.value("execution_id", std::string()) != childId)
    return nullptr;
  orch::json result = {{"execution_id", childId}, {"status", status}, {"output", output}};
  auto failure = "The run " + childId + " of the workflow it started " + status + (error.empty() ? "" : ": " + error);
  if (!error.empty()) result["error"] = error;
  bool completed = status == "completed";
  if (waiting.contains("$stack")) {
    // A tool call's turn: the call's caller reads the result, or the failure.
    if (completed) waiting["$returned"] = std::move(result);
    else waiting["$returned_error"] = failure;
  } else {
    waiting.update(result);
    if (!completed) waiting["$error"] = failure;
  }
  waiting.erase("awaiting");
  auto now = nowMs();
  waiting["$suspend_until"] = now;
  store_.saveStep(parentId, stepId,
                  {{"iteration", iteration}, {"status", "waiting"}, {"attempts", (*row)["attempts"]},
                   {"output", waiting.dump()}, {"wake_ms", now}},
                  tx);
  store_.wakeJob(ExecutionStore::runJobId(parentId), now, tx);
  return waiting;
}

void Engine::wakeHere(const std::string& executionId, const std::string& stepId, const orch::json& output) {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(runsMutex_);
    if (auto found = runs_.find(executionId); found != runs_.end()) run = found->second;
  }
  if (!run) return; // whoever claims the job (made due already) reads the row
  {
    std::lock_guard lock(run->mutex);
    auto index = run->plan->indexOf(stepId);
    if (index >= run->steps.size() || run->steps[index].status != StepState::Status::Waiting) return;
    // A settle for an older child (the step timed out and started another) wakes nothing.
    if (output.contains("execution_id") &&
        run->steps[index].output.value("execution_id", orch::json()) != output["execution_id"])
      return;
    run->steps[index].output = output;
    run->steps[index].wakeMs = nowMs();
  }
  post(2, [this, run] { dispatch(run); });
}

void Engine::cancelChildren(const std::string& executionId) {
  for (const auto& child : store_.activeChildren(executionId)) cancel(child);
}

} // namespace workflows
