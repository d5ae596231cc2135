// Runs this host takes from the queue: new ones, and those another host (or
// this one before a restart) held and lost, rebuilt from their committed rows.
#include "engine/EngineRun.h"

#include <orchestrator/time.hpp>

#include <algorithm>

namespace workflows {

using orch::nowMs;

// ---------------------------------------------------------------- runs

std::shared_ptr<Engine::Run> Engine::makeRun(const orch::json& row, std::shared_ptr<const Plan> plan,
                                             const orch::json& stepRows) {
  auto run = std::make_shared<Run>();
  run->id = row["id"].get<std::string>();
  run->jobId = ExecutionStore::runJobId(run->id);
  run->workflowId = row["workflow_id"].get<std::string>();
  run->webhookUrl = row["webhook_url"].is_string() ? row["webhook_url"].get<std::string>() : "";
  run->principal = orch::json::parse(row["principal"].get<std::string>());
  run->ownerId = row["owner_id"];
  run->organizationId = row["organization_id"];
  run->agentId = row["agent_id"];
  run->priority = static_cast<int>(row["priority"].get<std::int64_t>());
  run->retryCount = static_cast<int>(row["retry_count"].get<std::int64_t>());
  if (auto parent = row.value("parent_execution_id", orch::json()); parent.is_string()) {
    run->parentId = parent.get<std::string>();
    run->parentStep = row["parent_step_id"].get<std::string>();
    run->parentIteration = static_cast<int>(row["parent_iteration"].get<std::int64_t>());
  }
  if (auto depth = row.value("depth", orch::json()); depth.is_number()) run->depth = depth.get<int>();
  run->startedMs = row["started_ms"].is_number() ? row["started_ms"].get<std::int64_t>() : nowMs();
  run->deadlineMs = row["deadline_ms"].is_number() ? row["deadline_ms"].get<std::int64_t>() : 0;
  run->plan = std::move(plan);
  run->steps.resize(run->plan->size());
  run->scope = {{"input", orch::json::parse(row["input"].get<std::string>())},
                {"steps", orch::json::object()},
                {"execution", {{"id", run->id}, {"workflow_id", run->workflowId}, {"correlation_id", row["correlation_id"]}}}};
  if (!run->plan->state().empty()) run->scope["state"] = run->plan->initialState();
  // Rows come by step and iteration: each step ends up as its latest row says.
  std::vector<std::pair<std::int64_t, orch::json>> outputs; // (seq, output) of finished turns, for the state
  for (const auto& stepRow : stepRows) {
    auto index = run->plan->indexOf(stepRow["step_id"].get<std::string>());
    if (index >= run->plan->size()) continue; // a step of an older graph: not this plan's concern
    auto& step = run->steps[index];
    auto status = stepRow["status"].get<std::string>();
    auto earlierPass = step.pass, earlierTurns = step.turns;
    auto earlier = std::move(step);
    step = StepState{};
    step.iteration = static_cast<int>(stepRow["iteration"].get<std::int64_t>());
    step.pass = static_cast<int>(stepRow["pass"].get<std::int64_t>());
    step.turns = step.pass == earlierPass ? earlierTurns : 0;
    step.attempts = static_cast<int>(stepRow["attempts"].get<std::int64_t>());
    step.startedAt = stepRow["started_at"].is_string() ? stepRow["started_at"].get<std::string>() : "";
    auto output = stepRow["output"].is_string() ? orch::json::parse(stepRow["output"].get<std::string>()) : orch::json();
    if (stepRow["seq"].is_number()) run->sequence = std::max(run->sequence, stepRow["seq"].get<std::int64_t>());
    if (status == "completed" && output.is_object() && output.contains("$continue")) {
      // A turn that asked for another: the next one is due, and it reads this one.
      step.previous = std::move(output);
      startTurn(step);
    } else if (status == "completed") {
      step.status = StepState::Status::Completed;
      if (stepRow["seq"].is_number()) outputs.emplace_back(stepRow["seq"].get<std::int64_t>(), output);
      run->scope["steps"][run->plan->steps()[index].id] = {{"output", output}, {"status", "completed"}};
    } else if (status == "skipped") {
      step.status = StepState::Status::Skipped;
    } else if (status == "waiting" || status == "retrying") {
      step.status = StepState::Status::Waiting;
      step.suspended = status == "waiting";
      step.output = output;
      step.wakeMs = stepRow["wake_ms"].is_number() ? stepRow["wake_ms"].get<std::int64_t>() : 0;
      // A turn retrying (or waiting) after one that asked for it goes on from
      // that one: its conversation, and the call it runs.
      if (earlier.status == StepState::Status::Pending && earlier.iteration == step.iteration && earlier.pass == step.pass) {
        step.previous = std::move(earlier.previous);
        step.call = std::move(earlier.call);
      }
    } else if (status == "failed") {
      step.status = StepState::Status::Failed;
    }
  }
  // A restarted run replays its state as it was built: the outputs in the order they committed.
  std::sort(outputs.begin(), outputs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [seq, output] : outputs) run->plan->reduce(run->scope["state"], output);
  return run;
}

void Engine::adopt(const ExecutionStore::Job& job) {
  if (job.kind == "notify") {
    if (!notify_) return finishNotify(job.id);
    {
      std::lock_guard lock(runsMutex_);
      notifying_.insert(job.id);
    }
    try {
      notify_(job);
    } catch (...) {
      notified(job.id); // its lease lapses and a host tries again
      throw;
    }
    return;
  }
  auto row = store_.execution(job.executionId);
  if (!row || !active((*row)["status"].get<std::string>())) {
    // The execution ended (or vanished) and only its job was left behind.
    commits_.post([this, job](orch::Transaction& tx) { store_.finishJob(job.id, owner_, tx); });
    return;
  }
  std::shared_ptr<const Plan> plan;
  try {
    plan = this->plan((*row)["workflow_id"].get<std::string>(), (*row)["workflow_version"].get<std::string>());
  } catch (const std::exception& e) {
    auto now = nowMs();
    auto settled = std::make_shared<orch::json>();
    commits_.post(
        [this, job, now, row = *row, settled, error = std::string("The workflow cannot run: ") + e.what()](orch::Transaction& tx) {
          if (!store_.finishJob(job.id, owner_, tx)) return;
          store_.updateExecution(job.executionId,
                                 {{"status", "failed"}, {"error", error}, {"completed_at", orch::rfc3339Millis(now)}},
                                 {"queued", "scheduled", "running"}, tx);
          if (row.value("parent_execution_id", orch::json()).is_string())
            *settled = settleParent(row["parent_execution_id"].get<std::string>(), row["parent_step_id"].get<std::string>(),
                                    static_cast<int>(row["parent_iteration"].get<std::int64_t>()), job.executionId, "failed",
                                    nullptr, error, tx);
        },
        [this, row = *row, settled](std::exception_ptr error) {
          if (!error && !settled->is_null())
            wakeHere(row["parent_execution_id"].get<std::string>(), row["parent_step_id"].get<std::string>(), *settled);
        });
    return;
  }
  auto run = makeRun(*row, plan, store_.steps(job.executionId));
  {
    std::lock_guard lock(runsMutex_);
    if (auto old = runs_.find(run->id); old != runs_.end()) {
      std::lock_guard oldLock(old->second->mutex);
      old->second->finished = true; // a stale copy whose lease had expired
    }
    runs_[run->id] = run;
  }
  if ((*row)["status"] == "running") {
    resumeRun(run);
    return;
  }
  auto now = nowMs();
  auto timeout = (*row)["timeout_ms"];
  run->startedMs = now;
  run->deadlineMs = timeout.is_number() ? now + timeout.get<std::int64_t>() : 0;
  auto started = std::make_shared<bool>(false);
  commits_.post(
      [this, run, now, started](orch::Transaction& tx) {
        *started = holdsLease(*run, tx) &&
                   store_.updateExecution(run->id,
                                          {{"status", "running"},
                                           {"started_at", orch::rfc3339Millis(now)},
                                           {"started_ms", now},
                                           {"deadline_ms", run->deadlineMs ? orch::json(run->deadlineMs) : orch::json()}},
                                          {"queued", "scheduled"}, tx);
      },
      [this, run, started](std::exception_ptr error) {
        if (error || !*started) {
          abandon(run);
          return;
        }
        plugin_.publish("execution_started", eventPayload(*run));
        post(run->priority, [this, run] { dispatch(run); });
      });
}

void Engine::resumeRun(const std::shared_ptr<Run>& run) {
  std::unique_lock lock(run->mutex);
  if (run->deadlineMs && nowMs() >= run->deadlineMs) {
    finish(run, "failed", "Execution timed out", "", lock);
    return;
  }
  for (std::size_t i = 0; i < run->steps.size(); ++i) {
    if (run->steps[i].status == StepState::Status::Failed) {
      // The step's failure committed but the ending did not: end it now.
      finish(run, "failed", "Step '" + run->plan->steps()[i].id + "' failed", run->plan->steps()[i].id, lock);
      return;
    }
  }
  lock.unlock();
  dispatch(run);
}

void Engine::abandon(const std::shared_ptr<Run>& run) {
  {
    std::lock_guard lock(run->mutex);
    run->finished = true;
  }
  forget(run->id);
}

void Engine::forget(const std::string& executionId) {
  std::lock_guard lock(runsMutex_);
  runs_.erase(executionId);
}

} // namespace workflows
