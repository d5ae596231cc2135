#include "engine/Engine.h"

#include "engine/Expression.h"
#include "engine/Variables.h"

#include <orchestrator/time.hpp>

#include <algorithm>
#include <pthread.h>
#include <time.h>

namespace workflows {

using orch::nowMs;

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
};

/// An execution this host holds the lease of.
struct Engine::Run {
  std::mutex mutex;
  std::string id, jobId, workflowId, webhookUrl;
  std::shared_ptr<const Plan> plan;
  orch::json principal, scope, ownerId, organizationId, agentId;
  int priority = 1;
  int retryCount = 0;
  std::int64_t startedMs = 0, deadlineMs = 0, cpuMicros = 0, peakBytes = 0;
  std::vector<StepState> steps;
  bool dispatchPending = false; ///< a task to dispatch after committed steps is on its way
  bool finished = false; ///< ended, cancelled, released or lost: nothing more happens here
  // The lease as last checked by the writer thread (only it touches these).
  std::uint64_t leaseCheckedIn = 0; ///< CommitQueue::transactionNumber() of the check
  bool leaseHeld = false;
};

namespace {

std::int64_t threadCpuMicros() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
}

/// A number from a step's config in seconds, as milliseconds; nullopt when absent or not positive.
std::optional<std::int64_t> secondsSetting(const orch::json& config, const char* key) {
  auto found = config.find(key);
  if (found == config.end() || !found->is_number() || found->get<double>() <= 0) return std::nullopt;
  return static_cast<std::int64_t>(found->get<double>() * 1000);
}

/// When a step's output asks the engine to wait ("$suspend_until": RFC 3339
/// or epoch milliseconds), the moment it names.
std::optional<std::int64_t> suspendUntil(const orch::json& output) {
  if (!output.is_object()) return std::nullopt;
  auto found = output.find("$suspend_until");
  if (found == output.end()) return std::nullopt;
  if (found->is_number()) return found->get<std::int64_t>();
  if (found->is_string()) return orch::parseRfc3339(found->get<std::string>());
  return std::nullopt;
}

orch::json numberOrNull(const orch::json& output, const char* key) {
  if (!output.is_object()) return nullptr;
  auto found = output.find(key);
  return found != output.end() && found->is_number() ? *found : orch::json();
}

} // namespace

Engine::Engine(orch::Plugin& plugin, EngineSettings settings)
    : plugin_(plugin), settings_(settings), store_(plugin.db()), commits_(plugin.db(), settings.maxBatch),
      owner_(orch::newId()) {}

Engine::~Engine() { stop(); }

void Engine::start() {
  for (int i = 0; i < settings_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
  clock_ = std::thread([this] { clockLoop(); });
}

void Engine::stop() {
  if (stopping_.exchange(true)) return;
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
  auto built = std::make_shared<const Plan>(graph, [this](const std::string& type) -> std::optional<Plan::StepTraits> {
    std::lock_guard lock(traitsMutex_);
    if (auto found = traits_.find(type); found != traits_.end()) return found->second;
    auto description = plugin_.stepTypeDescription(type);
    if (!description) return std::nullopt; // not cached: the plugin may be enabled by the next start
    Plan::StepTraits traits;
    for (const auto& key : (*description)["config_schema"].value("x-no-template", orch::json::array()))
      if (key.is_string()) traits.rawKeys.insert(key.get<std::string>());
    traits.pure = description->value("pure", false);
    return traits_[type] = traits;
  });
  std::lock_guard lock(plansMutex_);
  return plans_.emplace(key, built).first->second;
}

// ---------------------------------------------------------------- requests

orch::json Engine::submit(const ExecutionRequest& request, std::shared_ptr<const Plan> plan) {
  auto now = nowMs();
  auto id = orch::newId();
  bool due = !request.scheduledAtMs || *request.scheduledAtMs <= now;
  bool local;
  {
    std::lock_guard lock(runsMutex_);
    local = due && static_cast<int>(runs_.size()) < settings_.maxLocal && !stopping_;
  }
  auto createdAt = orch::rfc3339Millis(now);
  orch::json row = {{"id", id},
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
                    {"webhook_url", request.webhookUrl.empty() ? orch::json() : orch::json(request.webhookUrl)},
                    {"timeout_ms", request.timeoutMs ? orch::json(*request.timeoutMs) : orch::json()},
                    {"retry_count", request.retryCount},
                    {"correlation_id", request.correlationId},
                    {"created_at", createdAt},
                    {"scheduled_at", request.scheduledAtMs ? orch::json(orch::rfc3339Millis(*request.scheduledAtMs)) : orch::json()},
                    {"started_at", local ? orch::json(createdAt) : orch::json()},
                    {"started_ms", local ? orch::json(now) : orch::json()},
                    {"deadline_ms", local && request.timeoutMs ? orch::json(now + *request.timeoutMs) : orch::json()},
                    {"attempt", 1}};
  auto runAt = request.scheduledAtMs ? std::max(*request.scheduledAtMs, now) : now;
  commits_.run([&](orch::Transaction& tx) {
    store_.insertExecution(row, tx);
    store_.insertJob(ExecutionStore::runJobId(id), "run", id, request.priority, runAt, local ? owner_ : "",
                     now + settings_.leaseMs, tx);
  });
  if (local) {
    auto run = makeRun(row, std::move(plan), orch::json::array());
    {
      std::lock_guard lock(runsMutex_);
      runs_[id] = run;
    }
    plugin_.publish("execution_started", eventPayload(*run));
    post(run->priority, [this, run] { dispatch(run); });
  }
  return row;
}

bool Engine::cancel(const std::string& executionId) {
  bool cancelled = false;
  orch::json row;
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
  });
  if (!cancelled) return false;
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
  run->startedMs = row["started_ms"].is_number() ? row["started_ms"].get<std::int64_t>() : nowMs();
  run->deadlineMs = row["deadline_ms"].is_number() ? row["deadline_ms"].get<std::int64_t>() : 0;
  run->plan = std::move(plan);
  run->steps.resize(run->plan->size());
  run->scope = {{"input", orch::json::parse(row["input"].get<std::string>())},
                {"steps", orch::json::object()},
                {"execution", {{"id", run->id}, {"workflow_id", run->workflowId}, {"correlation_id", row["correlation_id"]}}}};
  for (const auto& stepRow : stepRows) {
    auto index = run->plan->indexOf(stepRow["step_id"].get<std::string>());
    if (index >= run->plan->size()) continue; // a step of an older graph: not this plan's concern
    auto& step = run->steps[index];
    auto status = stepRow["status"].get<std::string>();
    step.attempts = static_cast<int>(stepRow["attempts"].get<std::int64_t>());
    step.startedAt = stepRow["started_at"].is_string() ? stepRow["started_at"].get<std::string>() : "";
    auto output = stepRow["output"].is_string() ? orch::json::parse(stepRow["output"].get<std::string>()) : orch::json();
    if (status == "completed") {
      step.status = StepState::Status::Completed;
      run->scope["steps"][run->plan->steps()[index].id] = {{"output", output}, {"status", "completed"}};
    } else if (status == "skipped") {
      step.status = StepState::Status::Skipped;
    } else if (status == "waiting" || status == "retrying") {
      step.status = StepState::Status::Waiting;
      step.suspended = status == "waiting";
      step.output = output;
      step.wakeMs = stepRow["wake_ms"].is_number() ? stepRow["wake_ms"].get<std::int64_t>() : 0;
    } else if (status == "failed") {
      step.status = StepState::Status::Failed;
    }
  }
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
    commits_.post([this, job, now, error = std::string("The workflow cannot run: ") + e.what()](orch::Transaction& tx) {
      if (store_.finishJob(job.id, owner_, tx))
        store_.updateExecution(job.executionId,
                               {{"status", "failed"}, {"error", error}, {"completed_at", orch::rfc3339Millis(now)}},
                               {"queued", "scheduled", "running"}, tx);
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
    resume(run);
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

void Engine::resume(const std::shared_ptr<Run>& run) {
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

void Engine::dispatch(const std::shared_ptr<Run>& run, bool runHere) {
  using S = StepState::Status;
  std::unique_lock lock(run->mutex);
  if (run->finished) return;
  const auto& plan = *run->plan;
  auto now = nowMs();
  Variables variables(run->scope);
  std::vector<std::size_t> ready, skipped;
  // Wake what is due: a suspended step completes, a step waiting out its backoff runs again.
  for (std::size_t i = 0; i < run->steps.size(); ++i) {
    auto& step = run->steps[i];
    if (step.status != S::Waiting || now < step.wakeMs) continue;
    if (step.suspended) {
      auto output = step.output;
      if (output.is_object()) output.erase("$suspend_until");
      if (output.is_object()) output["resumed_at"] = orch::rfc3339Millis(now);
      completeStep(run, i, output, lock);
    } else {
      ready.push_back(i);
    }
  }
  // Decide every pending step whose predecessors have all settled; a skip can
  // settle more, so go round until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      auto& step = run->steps[i];
      if (step.status != S::Pending || std::find(ready.begin(), ready.end(), i) != ready.end()) continue;
      const auto& incoming = plan.steps()[i].incoming;
      // A pure step may run on outputs still being committed: it has no
      // effect outside, and after a crash it runs again on the same inputs.
      // Any other step waits until everything it follows is committed, so
      // that what it does is never based on outputs a crash could take back.
      bool pure = plan.steps()[i].pure;
      bool settled = true, reached = incoming.empty();
      for (const auto& edge : incoming) {
        const auto& before = run->steps[edge.from];
        bool done = before.status == S::Completed || (pure && before.provisional && before.status == S::Committing);
        if (!done && before.status != S::Skipped) {
          settled = false;
          break;
        }
        if (done && !reached) {
          const auto& fromId = plan.steps()[edge.from].id;
          reached = plan.taken(edge.from, i, run->scope["steps"][fromId]["output"], [&](const std::string& expression) {
            try {
              return truthy(evaluate(expression, variables));
            } catch (const std::exception&) {
              return false;
            }
          });
        }
      }
      if (!settled) continue;
      if (reached) {
        ready.push_back(i);
      } else {
        step.status = S::Skipped;
        skipped.push_back(i);
        changed = true;
      }
    }
  }
  if (!skipped.empty()) {
    auto rows = orch::json::array();
    for (auto i : skipped) rows.push_back(plan.steps()[i].id);
    commits_.post([this, id = run->id, rows](orch::Transaction& tx) {
      for (const auto& stepId : rows) store_.saveStep(id, stepId.get<std::string>(), {{"status", "skipped"}, {"attempts", 0}}, tx);
    });
  }
  for (auto i : ready) {
    auto& step = run->steps[i];
    step.status = S::Running;
    step.suspended = false;
    step.attempts += 1;
    step.token = ++attemptTokens_;
    step.startedAt = orch::rfc3339Millis(now);
    auto limit = secondsSetting(plan.steps()[i].config, "timeout").value_or(settings_.stepTimeoutMs);
    step.limitMs = limit;
    step.deadlineMs = now + limit;
    if (i != ready.front() || !runHere) post(run->priority, [this, run, i, token = step.token] { runStep(run, i, token); });
  }
  if (!ready.empty()) {
    // The caller's thread goes on with the first step itself: a chain of
    // steps then runs without a hand-over to another worker per step. The
    // depth is bounded, since each step nests another call.
    thread_local int depth = 0;
    if (runHere && depth < 32) {
      auto first = ready.front();
      auto token = run->steps[first].token;
      lock.unlock();
      ++depth;
      runStep(run, first, token);
      --depth;
    } else if (runHere) {
      post(run->priority, [this, run, first = ready.front(), token = run->steps[ready.front()].token] {
        runStep(run, first, token);
      });
    }
    return;
  }
  // Nothing new to run: end, wait, or leave it to what is under way.
  bool inFlight = false, failed = false;
  std::int64_t earliestWake = 0;
  for (const auto& step : run->steps) {
    if (step.status == S::Running || step.status == S::Committing) inFlight = true;
    if (step.status == S::Failed) failed = true;
    if (step.status == S::Waiting && (!earliestWake || step.wakeMs < earliestWake)) earliestWake = step.wakeMs;
  }
  if (inFlight) return;
  if (earliestWake) {
    if (earliestWake - now <= settings_.releaseAfterMs) return; // the clock wakes it
    // A long wait needs no thread and no memory: the queue keeps it.
    run->finished = true;
    auto runAt = run->deadlineMs ? std::min(earliestWake, run->deadlineMs) : earliestWake;
    commits_.post([this, run, runAt](orch::Transaction& tx) { store_.release(run->jobId, owner_, runAt, tx); },
                  [this, run](std::exception_ptr) { forget(run->id); });
    return;
  }
  if (!failed) finish(run, "completed", "", "", lock);
}

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

void Engine::runStep(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token) {
  const auto& planned = run->plan->steps()[index];
  orch::StepContext context;
  context.executionId = run->id;
  context.stepId = planned.id;
  std::unique_lock lock(run->mutex);
  if (run->finished || run->steps[index].token != token) return;
  context.principal = run->principal;
  // A pure step is a few microseconds of CPU: it runs under the run's lock on
  // the scope itself, lent to its context, instead of on a copy of every
  // earlier step's output (a copy per step made long workflows quadratic).
  bool lent = planned.pure && localSteps_.count(planned.type);
  if (lent) {
    context.input = std::move(run->scope);
  } else {
    context.input = run->scope;
    lock.unlock();
  }
  auto cpuStart = threadCpuMicros();
  std::optional<orch::json> output;
  std::string error;
  try {
    context.config = Variables(context.input).fill(planned.config, planned.rawKeys);
    auto local = localSteps_.find(planned.type);
    output = local != localSteps_.end() ? local->second(context) : plugin_.runStep(planned.type, context);
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "Step '" + planned.id + "' failed";
  } catch (...) {
    error = "Step '" + planned.id + "' failed";
  }
  auto cpuMicros = threadCpuMicros() - cpuStart;
  if (lent) {
    run->scope = std::move(context.input);
    lock.unlock();
  }
  attemptEnded(run, index, token, std::move(output), error, cpuMicros);
}

void Engine::attemptEnded(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token,
                          std::optional<orch::json> output, const std::string& error, std::int64_t cpuMicros) {
  using S = StepState::Status;
  std::unique_lock lock(run->mutex);
  auto& step = run->steps[index];
  if (run->finished || step.token != token || step.status != S::Running) return;
  step.token = 0;
  run->cpuMicros += cpuMicros;
  const auto& planned = run->plan->steps()[index];
  auto now = nowMs();
  if (output) {
    if (auto wake = suspendUntil(*output)) {
      step.status = S::Committing;
      auto stepId = planned.id;
      auto saved = std::make_shared<bool>(false);
      commits_.post(
          [this, run, stepId, row = orch::json{{"status", "waiting"},
                                              {"attempts", step.attempts},
                                              {"output", output->dump()},
                                              {"wake_ms", *wake},
                                              {"started_at", step.startedAt}},
           saved](orch::Transaction& tx) {
            *saved = holdsLease(*run, tx);
            if (*saved) store_.saveStep(run->id, stepId, row, tx);
          },
          [this, run, index, wake = *wake, out = *output, saved](std::exception_ptr error) {
            if (error || !*saved) return abandon(run);
            {
              std::lock_guard lock(run->mutex);
              auto& waiting = run->steps[index];
              waiting.status = S::Waiting;
              waiting.suspended = true;
              waiting.wakeMs = wake;
              waiting.output = out;
            }
            post(run->priority, [this, run] { dispatch(run); });
          });
      return;
    }
    completeStep(run, index, std::move(*output), lock);
    // What follows a pure step need not wait for its commit (see dispatch).
    if (step.provisional) {
      lock.unlock();
      dispatch(run, true);
    }
    return;
  }
  // A failed attempt: again after a backoff, or the end of the execution.
  auto maxAttempts = 1 + (planned.config.contains("retry_count") && planned.config["retry_count"].is_number_integer()
                              ? planned.config["retry_count"].get<int>()
                              : run->retryCount);
  auto stepId = planned.id;
  if (step.attempts < maxAttempts) {
    auto wake = now + backoff(step.attempts, planned.config);
    step.status = S::Committing;
    auto saved = std::make_shared<bool>(false);
    commits_.post(
        [this, run, stepId, saved,
         row = orch::json{{"status", "retrying"}, {"attempts", step.attempts}, {"error", error}, {"wake_ms", wake},
                          {"started_at", step.startedAt}}](orch::Transaction& tx) {
          *saved = holdsLease(*run, tx);
          if (*saved) store_.saveStep(run->id, stepId, row, tx);
        },
        [this, run, index, wake, saved](std::exception_ptr error) {
          if (error || !*saved) return abandon(run);
          {
            std::lock_guard lock(run->mutex);
            auto& waiting = run->steps[index];
            waiting.status = S::Waiting;
            waiting.suspended = false;
            waiting.wakeMs = wake;
          }
          post(run->priority, [this, run] { dispatch(run); });
        });
    return;
  }
  step.status = S::Failed;
  auto row = orch::json{{"status", "failed"},       {"attempts", step.attempts}, {"error", error},
                        {"started_at", step.startedAt}, {"completed_at", orch::rfc3339Millis(now)}};
  commits_.post([this, run, stepId, row](orch::Transaction& tx) {
    if (holdsLease(*run, tx)) store_.saveStep(run->id, stepId, row, tx);
  });
  finish(run, "failed", "Step '" + stepId + "' failed: " + error, stepId, lock);
}

void Engine::completeStep(const std::shared_ptr<Run>& run, std::size_t index, orch::json output,
                          std::unique_lock<std::mutex>&) {
  using S = StepState::Status;
  auto& step = run->steps[index];
  const auto& planned = run->plan->steps()[index];
  step.status = S::Committing;
  auto now = nowMs();
  auto text = output.dump();
  auto nowText = orch::rfc3339Millis(now);
  run->peakBytes = std::max<std::int64_t>(run->peakBytes, static_cast<std::int64_t>(text.size()));
  auto row = orch::json{{"status", "completed"},
                        {"attempts", step.attempts},
                        {"output", std::move(text)},
                        {"error", nullptr},
                        {"wake_ms", nullptr},
                        {"tokens_used", numberOrNull(output, "tokens_used")},
                        {"cost", numberOrNull(output, "cost")},
                        {"started_at", step.startedAt.empty() ? nowText : step.startedAt},
                        {"completed_at", nowText}};
  // In the scope at once: only pure steps read it before the commit (see dispatch).
  step.provisional = planned.pure;
  run->scope["steps"][planned.id] = {{"output", std::move(output)}, {"status", "completed"}};
  auto saved = std::make_shared<bool>(false);
  commits_.post(
      [this, run, stepId = planned.id, row = std::move(row), saved](orch::Transaction& tx) {
        *saved = holdsLease(*run, tx);
        if (*saved) store_.saveStep(run->id, stepId, row, tx);
      },
      [this, run, index, saved](std::exception_ptr error) {
        if (error || !*saved) return abandon(run);
        bool first = false;
        orch::json event;
        {
          std::lock_guard lock(run->mutex);
          if (!run->finished) {
            run->steps[index].status = S::Completed;
            run->steps[index].provisional = false;
            first = !run->dispatchPending && commitUnblocks(*run);
            if (first) run->dispatchPending = true;
          }
          const auto& done = run->plan->steps()[index];
          event = eventPayload(*run);
          event["step_id"] = done.id;
          event["step_name"] = done.name;
          event["step_type"] = done.type;
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
            dispatch(run);
          });
      });
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
        return run->steps[next].status == StepState::Status::Completed;
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
                        {"peak_bytes", run->peakBytes}};
  auto payload = eventPayload(*run);
  payload["status"] = status;
  payload["duration_ms"] = now - run->startedMs;
  if (!error.empty()) payload["error"] = error;
  if (!failedStep.empty()) payload["failed_step"] = failedStep;
  if (status == "completed") payload["output_data"] = output;
  auto ended = std::make_shared<bool>(false);
  commits_.post(
      [this, run, columns, ended](orch::Transaction& tx) {
        *ended = store_.finishJob(run->jobId, owner_, tx);
        if (!*ended) return;
        store_.updateExecution(run->id, columns, {"running"}, tx);
        if (!run->webhookUrl.empty())
          store_.insertJob(ExecutionStore::notifyJobId(run->id), "notify", run->id, 1, nowMs(), "", 0, tx);
      },
      [this, run, status, payload, ended](std::exception_ptr error) {
        forget(run->id);
        if (error) {
          plugin_.logError("workflow engine: could not end execution " + run->id + "; its lease will run out and it resumes");
          return;
        }
        if (*ended) this->ended("execution_" + status, payload);
      });
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

void Engine::ended(const std::string& event, const orch::json& payload) {
  plugin_.publish(event, payload);
  {
    std::lock_guard lock(waitersMutex_);
    ++endings_;
  }
  ended_.notify_all();
}

std::int64_t Engine::backoff(int attempt, const orch::json& config) const {
  return backoffMs(attempt, secondsSetting(config, "retry_delay").value_or(settings_.retryBaseMs));
}

std::int64_t Engine::backoffMs(std::int64_t attempt, std::int64_t baseMs) const {
  return orch::backoffMs(attempt, baseMs, settings_.retryMaxMs);
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
