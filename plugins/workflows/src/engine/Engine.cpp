// The engine's life, the requests it takes, its workers and its clock; a run's
// steps are in EngineDispatch.cpp, their commits in EngineCommit.cpp, and
// runs taken over from the queue in EngineRecovery.cpp.
#include "engine/EngineRun.h"

#include <orchestrator/frameworks.hpp>
#include <orchestrator/time.hpp>

#include <algorithm>
#include <pthread.h>

namespace workflows {

using orch::nowMs;

Engine::Engine(orch::Plugin& plugin, EngineSettings settings)
    : plugin_(plugin), settings_(settings), store_(plugin.db()), commits_(plugin.db(), settings.maxBatch),
      owner_(orch::newId()), remote_({std::chrono::milliseconds(settings.workerLeaseMs), 3}) {}

Engine::~Engine() { stop(); }

void Engine::start() {
  for (int i = 0; i < settings_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
  clock_ = std::thread([this] { clockLoop(); });
}

void Engine::stop() {
  if (stopping_.exchange(true)) return;
  remote_.stop(); // workers' claims end now; what they run is resumed by the next start
  clockWake_.notify_all();
  if (clock_.joinable()) clock_.join();
  tasksReady_.notify_all();
  for (auto& worker : workers_)
    if (worker.joinable()) worker.join();
  // What is held stays leased until the lease runs out; the next start (or
  // another host) resumes it from its committed steps.
  commits_.stop();
}

// ---------------------------------------------------------------- plans

std::optional<Plan::StepTraits> Engine::traitsOf(const std::string& type) {
  std::lock_guard lock(traitsMutex_);
  if (auto found = traits_.find(type); found != traits_.end()) return found->second;
  auto description = plugin_.stepTypeDescription(type);
  if (!description) return std::nullopt; // not cached: the plugin may be enabled by the next start
  Plan::StepTraits traits;
  traits.rawKeys.insert(orch::kStepSourceKey); // a framework's original node, never templated
  for (const auto& key : (*description)["config_schema"].value("x-no-template", orch::json::array()))
    if (key.is_string()) traits.rawKeys.insert(key.get<std::string>());
  traits.pure = description->value("pure", false);
  traits.hostOnly = description->value("host_only", false);
  return traits_[type] = traits;
}

std::shared_ptr<const Plan> Engine::plan(const std::string& workflowId, const std::string& version) {
  auto key = workflowId + "@" + version;
  {
    std::lock_guard lock(plansMutex_);
    if (auto found = plans_.find(key); found != plans_.end()) return found->second;
  }
  auto row = plugin_.db().queryOne("SELECT graph FROM wf_workflow_versions WHERE workflow_id = ? AND version = ?",
                                   {workflowId, version});
  if (!row) throw std::runtime_error("workflow " + workflowId + " has no version " + version);
  auto graph = WorkflowGraph::fromRequest({{"definition", orch::json::parse((*row)["graph"].get<std::string>())}});
  auto built = std::make_shared<const Plan>(graph, [this](const std::string& type) { return traitsOf(type); });
  std::lock_guard lock(plansMutex_);
  return plans_.emplace(key, built).first->second;
}

// ---------------------------------------------------------------- requests

orch::json Engine::executionRow(const ExecutionRequest& request, std::int64_t now, bool local) const {
  bool due = !request.scheduledAtMs || *request.scheduledAtMs <= now;
  auto createdAt = orch::rfc3339Millis(now);
  auto parent = [&](const std::string& value) { return value.empty() ? orch::json() : orch::json(value); };
  return {{"id", orch::newId()},
          {"workflow_id", request.workflowId},
          {"workflow_version", request.workflowVersion},
          {"agent_id", request.agentId},
          {"owner_id", request.ownerId},
          {"organization_id", request.organizationId},
          {"principal", request.principal.dump()},
          {"status", local ? "running" : due ? "queued" : "scheduled"},
          {"priority", request.priority},
          {"execution_mode", request.executionMode},
          {"input", request.input.dump()},
          {"metadata", request.metadata.dump()},
          {"webhook_url", parent(request.webhookUrl)},
          {"timeout_ms", request.timeoutMs ? orch::json(*request.timeoutMs) : orch::json()},
          {"retry_count", request.retryCount},
          {"correlation_id", request.correlationId},
          {"created_at", createdAt},
          {"scheduled_at", request.scheduledAtMs ? orch::json(orch::rfc3339Millis(*request.scheduledAtMs)) : orch::json()},
          {"started_at", local ? orch::json(createdAt) : orch::json()},
          {"started_ms", local ? orch::json(now) : orch::json()},
          {"deadline_ms", local && request.timeoutMs ? orch::json(now + *request.timeoutMs) : orch::json()},
          {"attempt", 1},
          {"parent_execution_id", parent(request.parentExecutionId)},
          {"parent_step_id", parent(request.parentStepId)},
          {"parent_iteration", request.parentIteration ? orch::json(request.parentIteration) : orch::json()},
          {"depth", request.depth}};
}

bool Engine::roomHere() {
  std::lock_guard lock(runsMutex_);
  return static_cast<int>(runs_.size()) < settings_.maxLocal && !stopping_;
}

void Engine::startHere(const orch::json& row, std::shared_ptr<const Plan> plan) {
  auto run = makeRun(row, std::move(plan), orch::json::array());
  {
    std::lock_guard lock(runsMutex_);
    runs_[run->id] = run;
  }
  plugin_.publish("execution_started", eventPayload(*run));
  post(run->priority, [this, run] { dispatch(run, true); });
}

orch::json Engine::submit(const ExecutionRequest& request, std::shared_ptr<const Plan> plan) {
  auto now = nowMs();
  bool due = !request.scheduledAtMs || *request.scheduledAtMs <= now;
  bool local = due && roomHere();
  auto row = executionRow(request, now, local);
  auto id = row["id"].get<std::string>();
  auto runAt = request.scheduledAtMs ? std::max(*request.scheduledAtMs, now) : now;
  commits_.run([&](orch::Transaction& tx) {
    store_.insertExecution(row, tx);
    store_.insertJob(ExecutionStore::runJobId(id), "run", id, request.priority, runAt, local ? owner_ : "",
                     now + settings_.leaseMs, tx);
  });
  if (local) startHere(row, std::move(plan));
  return row;
}

bool Engine::cancel(const std::string& executionId) {
  bool cancelled = false;
  orch::json row, settled;
  auto now = nowMs();
  commits_.run([&](orch::Transaction& tx) {
    auto current = store_.execution(executionId, &tx);
    cancelled = false;
    if (!current) return;
    auto startedMs = (*current)["started_ms"];
    cancelled = store_.updateExecution(executionId,
                                       {{"status", "cancelled"},
                                        {"completed_at", orch::rfc3339Millis(now)},
                                        {"duration_ms", startedMs.is_number() ? orch::json(now - startedMs.get<std::int64_t>()) : orch::json()},
                                        {"error", "Cancelled"}},
                                       {"queued", "scheduled", "running"}, tx);
    if (!cancelled) return;
    row = *current;
    store_.deleteJob(ExecutionStore::runJobId(executionId), tx);
    if (!(*current)["webhook_url"].is_null())
      store_.insertJob(ExecutionStore::notifyJobId(executionId), "notify", executionId, 1, now, "", 0, tx);
    settled = nullptr;
    if (row.value("parent_execution_id", orch::json()).is_string())
      settled = settleParent(row["parent_execution_id"].get<std::string>(), row["parent_step_id"].get<std::string>(),
                             static_cast<int>(row["parent_iteration"].get<std::int64_t>()), executionId, "cancelled",
                             nullptr, "Cancelled", tx);
  });
  if (!cancelled) return false;
  if (!settled.is_null()) wakeHere(row["parent_execution_id"].get<std::string>(), row["parent_step_id"].get<std::string>(), settled);
  cancelChildren(executionId);
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(runsMutex_);
    if (auto found = runs_.find(executionId); found != runs_.end()) run = found->second;
  }
  if (run) {
    std::lock_guard lock(run->mutex);
    run->finished = true; // answers of steps still under way are dropped
  }
  forget(executionId);
  ended("execution_cancelled",
        {{"execution_id", executionId},
         {"workflow_id", row["workflow_id"]},
         {"owner_id", row["owner_id"]},
         {"organization_id", row["organization_id"]},
         {"agent_id", row["agent_id"]},
         {"status", "cancelled"}});
  return true;
}

bool Engine::retry(const std::string& executionId) {
  bool retried = false;
  auto now = nowMs();
  commits_.run([&](orch::Transaction& tx) {
    auto current = store_.execution(executionId, &tx);
    retried = false;
    if (!current) return;
    retried = store_.updateExecution(executionId,
                                     {{"status", "queued"},
                                      {"error", nullptr},
                                      {"failed_step", nullptr},
                                      {"completed_at", nullptr},
                                      {"duration_ms", nullptr},
                                      {"output", nullptr},
                                      {"started_ms", nullptr},
                                      {"deadline_ms", nullptr},
                                      {"attempt", (*current)["attempt"].get<std::int64_t>() + 1}},
                                     {"failed", "cancelled"}, tx);
    if (!retried) return;
    store_.clearUnfinishedSteps(executionId, tx);
    store_.deleteJob(ExecutionStore::runJobId(executionId), tx);
    store_.insertJob(ExecutionStore::runJobId(executionId), "run", executionId,
                     static_cast<int>((*current)["priority"].get<std::int64_t>()), now, owner_,
                     now + settings_.leaseMs, tx);
  });
  if (retried) post(2, [this, executionId] { adopt({ExecutionStore::runJobId(executionId), "run", executionId, 1}); });
  return retried;
}

bool Engine::resume(const std::string& executionId, const orch::json& decision) {
  auto now = nowMs();
  std::string stepId;
  orch::json output;
  commits_.run([&](orch::Transaction& tx) {
    stepId.clear();
    auto execution = store_.execution(executionId, &tx);
    if (!execution || (*execution)["status"] != "running") return;
    for (const auto& row : store_.steps(executionId, &tx)) {
      if (row["status"] != "waiting" || !row["output"].is_string()) continue;
      auto waiting = orch::json::parse(row["output"].get<std::string>());
      if (waiting.value("awaiting", std::string()) != "approval") continue;
      waiting.update(decision);
      waiting["branch"] = decision["decision"];
      waiting["decided_at"] = orch::rfc3339Millis(now);
      waiting["$suspend_until"] = now;
      waiting.erase("awaiting");
      stepId = row["step_id"].get<std::string>();
      output = waiting;
      store_.saveStep(executionId, stepId,
                      {{"iteration", row["iteration"]}, {"status", "waiting"}, {"attempts", row["attempts"]}, {"output", waiting.dump()}, {"wake_ms", now}}, tx);
      store_.wakeJob(ExecutionStore::runJobId(executionId), now, tx);
      return;
    }
  });
  if (stepId.empty()) return false;
  wakeHere(executionId, stepId, output);
  return true;
}

orch::json Engine::waitForEnd(const std::string& executionId, std::int64_t timeoutMs) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (true) {
    auto seen = endings_.load();
    auto row = store_.execution(executionId);
    if (!row || !active((*row)["status"].get<std::string>()) || std::chrono::steady_clock::now() >= deadline)
      return row ? *row : orch::json();
    std::unique_lock lock(waitersMutex_);
    // Another host may end it: look at the row again at least every half second.
    ended_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500)),
                      [&] { return endings_.load() != seen || stopping_; });
    if (stopping_) return *row;
  }
}

void Engine::finishNotify(const std::string& jobId) {
  notified(jobId);
  commits_.post([this, jobId](orch::Transaction& tx) { store_.finishJob(jobId, owner_, tx); });
}

void Engine::retryNotify(const std::string& jobId, std::int64_t runAtMs, const std::string& error) {
  notified(jobId);
  commits_.post([this, jobId, runAtMs, error](orch::Transaction& tx) { store_.release(jobId, owner_, runAtMs, tx, error); });
}

void Engine::notified(const std::string& jobId) {
  std::lock_guard lock(runsMutex_);
  notifying_.erase(jobId);
}

// ---------------------------------------------------------------- workers

void Engine::post(int priority, std::function<void()> task) {
  std::lock_guard lock(tasksMutex_);
  tasks_.push({priority, sequence_++, std::move(task)});
  tasksReady_.notify_one();
}

void Engine::workerLoop() {
  pthread_setname_np(pthread_self(), "wf-worker");
  while (true) {
    std::function<void()> work;
    {
      std::unique_lock lock(tasksMutex_);
      tasksReady_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      work = std::move(const_cast<Task&>(tasks_.top()).work);
      tasks_.pop();
    }
    try {
      work();
    } catch (const std::exception& e) {
      plugin_.logError(std::string("workflow engine: ") + e.what());
    }
  }
}

// ---------------------------------------------------------------- the clock

void Engine::clockLoop() {
  pthread_setname_np(pthread_self(), "wf-clock");
  std::int64_t lastRenewal = nowMs(), lastPoll = 0;
  while (!stopping_) {
    {
      std::unique_lock lock(clockMutex_);
      clockWake_.wait_for(lock, std::chrono::milliseconds(20));
    }
    if (stopping_) return;
    auto now = nowMs();
    try {
      tick(now);
      if (now - lastRenewal >= settings_.leaseMs / 3) {
        lastRenewal = now;
        std::vector<std::string> held;
        {
          std::lock_guard lock(runsMutex_);
          held.reserve(runs_.size() + notifying_.size());
          for (const auto& [id, run] : runs_) held.push_back(run->jobId);
          held.insert(held.end(), notifying_.begin(), notifying_.end());
        }
        commits_.post([this, until = now + settings_.leaseMs, held = std::move(held)](orch::Transaction& tx) {
          store_.renew(owner_, until, held, tx);
        });
      }
      if (now - lastPoll >= settings_.pollMs) {
        lastPoll = now;
        poll();
      }
    } catch (const std::exception& e) {
      plugin_.logError(std::string("workflow engine clock: ") + e.what());
    }
  }
}

void Engine::tick(std::int64_t now) {
  remote_.sweep();
  std::vector<std::shared_ptr<Run>> runs;
  {
    std::lock_guard lock(runsMutex_);
    runs.reserve(runs_.size());
    for (const auto& [id, run] : runs_) runs.push_back(run);
  }
  for (const auto& run : runs) {
    std::unique_lock lock(run->mutex);
    if (run->finished) continue;
    if (run->deadlineMs && now >= run->deadlineMs) {
      finish(run, "failed", "Execution timed out after " + std::to_string(run->deadlineMs - run->startedMs) + " ms", "",
             lock);
      continue;
    }
    bool wakeAny = false;
    for (std::size_t i = 0; i < run->steps.size(); ++i) {
      auto& step = run->steps[i];
      if (step.status == StepState::Status::Running && step.deadlineMs && now >= step.deadlineMs) {
        auto token = step.token;
        auto message = "Step '" + run->plan->steps()[i].id + "' timed out after " + std::to_string(step.limitMs) + " ms";
        lock.unlock();
        attemptEnded(run, i, token, std::nullopt, message, 0);
        lock.lock();
        if (run->finished) break;
      } else if (step.status == StepState::Status::Waiting && now >= step.wakeMs) {
        wakeAny = true;
      }
    }
    if (wakeAny && !run->finished) {
      lock.unlock();
      post(run->priority, [this, run] { dispatch(run); });
    }
  }
}

void Engine::poll() {
  int room;
  {
    std::lock_guard lock(runsMutex_);
    room = settings_.maxLocal - static_cast<int>(runs_.size());
  }
  if (room <= 0 || polling_.exchange(true)) return;
  auto jobs = std::make_shared<std::vector<ExecutionStore::Job>>();
  auto now = nowMs();
  commits_.post(
      [this, jobs, now, room](orch::Transaction& tx) {
        *jobs = store_.claim(owner_, now, now + settings_.leaseMs, std::min(room, 100), tx);
      },
      [this, jobs](std::exception_ptr error) {
        polling_ = false;
        if (error) return;
        for (const auto& job : *jobs) post(1, [this, job] { adopt(job); });
      });
}

} // namespace workflows
