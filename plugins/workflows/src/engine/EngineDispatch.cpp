// Which steps of a run go next, running one attempt, and what its end
// means: retry, suspend, fail the run, or commit.
#include "engine/EngineRun.h"

#include "engine/Expression.h"
#include "engine/Variables.h"

#include <orchestrator/time.hpp>

#include <algorithm>
#include <time.h>

namespace workflows {

using orch::nowMs;

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

} // namespace

void Engine::dispatch(const std::shared_ptr<Run>& run, bool runHere) {
  using S = StepState::Status;
  std::unique_lock lock(run->mutex);
  if (run->finished) return;
  const auto& plan = *run->plan;
  auto now = nowMs();
  Variables variables(run->scope);
  std::vector<std::size_t> ready;
  // Wake what is due: a suspended step completes, a step waiting out its backoff runs again.
  for (std::size_t i = 0; i < run->steps.size(); ++i) {
    auto& step = run->steps[i];
    if (step.status != S::Waiting || now < step.wakeMs) continue;
    if (step.suspended) {
      auto output = step.output;
      if (output.is_object()) output.erase("$suspend_until");
      if (output.is_object() && output.value("awaiting", std::string()) == "execution") {
        // The child may have ended on another host, which could not wake this
        // run in memory: its row says so (a rare read, at the time limit).
        auto row = store_.step(run->id, plan.steps()[i].id, step.iteration);
        if (row && (*row)["status"] == "waiting" && (*row)["output"].is_string()) {
          auto stored = orch::json::parse((*row)["output"].get<std::string>());
          if (stored.value("awaiting", std::string()) != "execution") {
            stored.erase("$suspend_until");
            output = std::move(stored);
          }
        }
      }
      if (output.is_object() && output.value("awaiting", std::string()) == "execution") {
        // Its time ran out before the workflow it started ended: that run is cancelled.
        auto child = output.value("execution_id", std::string());
        auto failure = "The run " + child + " of the workflow it started did not end in time";
        post(2, [this, child] { cancel(child); });
        output.erase("awaiting");
        if (output.contains("$stack")) output["$returned_error"] = failure;
        else output["$error"] = failure;
      }
      if (output.is_object() && output.contains("$error")) {
        // The started run failed: a failed attempt of this step, retried as its settings say.
        step.status = S::Running;
        step.token = ++attemptTokens_;
        step.deadlineMs = now + std::max<std::int64_t>(step.limitMs, 1000);
        post(run->priority, [this, run, i, token = step.token, error = output["$error"].get<std::string>()] {
          attemptEnded(run, i, token, std::nullopt, error, 0);
        });
        continue;
      }
      if (output.is_object()) output["resumed_at"] = orch::rfc3339Millis(now);
      completeStep(run, i, output, lock);
    } else {
      ready.push_back(i);
    }
  }
  auto evaluateEdge = [&](const std::string& expression) {
    try {
      return truthy(evaluate(expression, variables));
    } catch (const std::exception&) {
      return false;
    }
  };
  // Decide every pending step whose predecessors have all settled; a skip can
  // settle more, so go round until nothing changes.
  auto decidePending = [&] {
    auto skipped = orch::json::array();
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
        bool settled = true;
        bool reached = std::all_of(incoming.begin(), incoming.end(), [](const Plan::Incoming& edge) { return edge.back; });
        for (const auto& edge : incoming) {
          if (edge.back) continue; // a pass starts through it, it is never waited for
          const auto& before = run->steps[edge.from];
          bool done = before.status == S::Completed || (pure && before.provisional && before.status == S::Committing);
          if (!done && before.status != S::Skipped) {
            settled = false;
            break;
          }
          if (done && !reached) {
            const auto& fromId = plan.steps()[edge.from].id;
            reached = plan.taken(edge.from, i, run->scope["steps"][fromId]["output"], evaluateEdge);
          }
        }
        if (!settled) continue;
        if (reached) {
          ready.push_back(i);
        } else {
          step.status = S::Skipped;
          skipped.push_back({{"id", plan.steps()[i].id}, {"iteration", step.iteration}, {"pass", step.pass}});
          changed = true;
        }
      }
    }
    if (skipped.empty()) return;
    commits_.post([this, id = run->id, rows = std::move(skipped)](orch::Transaction& tx) {
      for (const auto& row : rows)
        store_.saveStep(id, row["id"].get<std::string>(),
                        {{"status", "skipped"}, {"attempts", 0}, {"iteration", row["iteration"]}, {"pass", row["pass"]}}, tx);
    });
  };
  // Before another pass starts: a step that follows the back edge's source is
  // decided on this pass's outputs (else it would miss the pass, its row and
  // iteration one behind), then what the new pass makes pending.
  decidePending();
  // A completed step whose back edge is taken starts another pass of the
  // cycle, unless that pass has begun already (its target is further on).
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& step = run->steps[i];
    if (step.status != S::Completed) continue;
    for (auto target : plan.steps()[i].backEdges) {
      if (run->steps[target].pass > step.pass || run->steps[target].status != S::Completed) continue;
      if (!plan.taken(i, target, run->scope["steps"][plan.steps()[i].id]["output"], evaluateEdge)) continue;
      if (!startPass(run, target, i, lock)) return;
    }
  }
  decidePending();
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
    commits_.post(
        [this, run, runAt](orch::Transaction& tx) {
          // A step woken since (resumed, its child ended) keeps the job due.
          auto woken = store_.earliestWake(run->id, tx);
          store_.release(run->jobId, owner_, woken ? std::min(runAt, *woken) : runAt, tx);
        },
                  [this, run](std::exception_ptr) { forget(run->id); });
    return;
  }
  if (!failed) finish(run, "completed", "", "", lock);
}

bool Engine::startPass(const std::shared_ptr<Run>& run, std::size_t target, std::size_t from,
                       std::unique_lock<std::mutex>& lock) {
  using S = StepState::Status;
  const auto& plan = *run->plan;
  const auto& entry = plan.steps()[target];
  if (run->steps[target].pass + 1 > plan.recursionLimit()) {
    finish(run, "failed",
           "Recursion limit of " + std::to_string(plan.recursionLimit()) + " reached: step '" + entry.id +
               "' would run a pass more (through the edge from '" + plan.steps()[from].id + "')",
           entry.id, lock);
    return false;
  }
  auto rows = orch::json::array();
  for (auto i : entry.pass) {
    auto& step = run->steps[i];
    // What has not run in this pass stays as it is; what runs finishes its pass.
    if (step.status != S::Completed && step.status != S::Skipped) continue;
    step.status = S::Pending;
    step.iteration += 1;
    step.pass += 1;
    step.turns = 0;
    step.attempts = 0;
    step.previous = nullptr;
    step.call = nullptr;
    step.startedAt.clear();
    rows.push_back({{"id", plan.steps()[i].id}, {"iteration", step.iteration}, {"pass", step.pass}});
  }
  // Committed before any output of the new pass: a restart sees which pass each step is in.
  commits_.post([this, run, rows](orch::Transaction& tx) {
    if (!holdsLease(*run, tx)) return;
    for (const auto& row : rows)
      store_.saveStep(run->id, row["id"].get<std::string>(),
                      {{"status", "pending"}, {"attempts", 0}, {"iteration", row["iteration"]}, {"pass", row["pass"]}}, tx);
  });
  return true;
}

void Engine::runStep(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token) {
  const auto& planned = run->plan->steps()[index];
  orch::StepContext context;
  context.executionId = run->id;
  context.stepId = planned.id;
  std::unique_lock lock(run->mutex);
  if (run->finished || run->steps[index].token != token) return;
  context.principal = run->principal;
  auto call = run->steps[index].call;
  // A pure step is a few microseconds of CPU: it runs under the run's lock on
  // the scope itself, lent to its context, instead of on a copy of every
  // earlier step's output (a copy per step made long workflows quadratic).
  bool lent = planned.pure && localSteps_.count(planned.type) && !call.is_object();
  if (lent) {
    context.input = std::move(run->scope);
  } else {
    context.input = run->scope;
    const auto& step = run->steps[index];
    if (step.iteration > 1 || !step.previous.is_null())
      context.input["pass"] = {{"iteration", step.iteration}, {"pass", step.pass}, {"turn", step.turns + 1},
                               {"previous", step.previous}};
    lock.unlock();
  }
  if (call.is_object()) return runToolCall(run, index, token, call, std::move(context));
  if (!lent) {
    try {
      context.config = Variables(context.input).fill(planned.config, planned.rawKeys);
    } catch (const std::exception& e) {
      return attemptEnded(run, index, token, std::nullopt, e.what(), 0);
    }
    auto answered = [this, run, index, token](std::optional<orch::json> output, std::string error) {
      if (output && output->is_object() && output->contains("$run_workflow")) {
        try {
          prepareChild(*run, *output);
        } catch (const std::exception& e) {
          output.reset();
          error = e.what();
        }
      }
      attemptEnded(run, index, token, std::move(output), error, 0);
    };
    if (offerToWorker(run, index, token, planned.type, context, answered)) return;
  }
  auto cpuStart = threadCpuMicros();
  std::optional<orch::json> output;
  std::string error;
  try {
    if (lent) context.config = Variables(context.input).fill(planned.config, planned.rawKeys);
    auto local = localSteps_.find(planned.type);
    StepClock clock{run->stepMicros, figures_};
    output = local != localSteps_.end() ? local->second(context) : plugin_.runStep(planned.type, context);
    if (output->is_object() && output->contains("$run_workflow")) prepareChild(*run, *output);
  } catch (const std::exception& e) {
    output.reset();
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

void Engine::runToolCall(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token, const orch::json& call,
                         orch::StepContext context) {
  using orch::json;
  auto cpuStart = threadCpuMicros();
  // The calls under way, innermost last: a tool that takes turns of its own
  // (a member's tool_loop) may call tools in turn. Each entry is {call, previous}:
  // what runs, and its last turn's output, which its next turn reads.
  json previous;
  {
    std::lock_guard lock(run->mutex);
    previous = run->steps[index].previous;
  }
  auto callerState = previous.value("$continue", json(true)); // the step's own loop, at the bottom
  auto stack = previous.value("$stack", json::array());
  if (stack.empty()) stack.push_back({{"call", call}, {"previous", nullptr}});
  auto& top = stack.back();
  auto type = top["call"].value("type", std::string());
  json output;
  std::string error;
  if (previous.contains("$returned") || previous.contains("$returned_error")) {
    // A workflow the call started (an agent) has ended: that is the call's answer.
    if (previous.contains("$returned")) output = previous["$returned"];
    else error = previous["$returned_error"].get<std::string>();
  } else {
    // The model's arguments are taken as they are, never templated: a
    // prompt must not be able to read the run's other data through them.
    context.config = top["call"].value("config", json::object());
    // The tool is a step of its own: the caller's turns are not its turns.
    context.input.erase("pass");
    if (!top["previous"].is_null()) context.input["pass"] = {{"previous", top["previous"]}};
    auto answered = [this, run, index, token, stack, callerState](std::optional<json> out, std::string failure) mutable {
      toolCallAnswered(run, index, token, std::move(stack), std::move(callerState), out ? std::move(*out) : json(),
                       std::move(failure), 0);
    };
    if (offerToWorker(run, index, token, type, context, answered)) return;
    try {
      auto local = localSteps_.find(type);
      StepClock clock{run->stepMicros, figures_};
      output = local != localSteps_.end() ? local->second(context) : plugin_.runStep(type, context);
    } catch (const std::exception& e) {
      // A tool's failure is its caller's to handle (the model reads the
      // error and decides), not the end of the run.
      error = *e.what() ? e.what() : "the tool failed";
      output = nullptr;
    }
  }
  toolCallAnswered(run, index, token, std::move(stack), std::move(callerState), std::move(output), std::move(error),
                   threadCpuMicros() - cpuStart);
}

void Engine::toolCallAnswered(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token, orch::json stack,
                              orch::json callerState, orch::json output, std::string error, std::int64_t cpuMicros) {
  using orch::json;
  auto& top = stack.back();
  auto type = top["call"].value("type", std::string());
  json result = {{"$continue", callerState}};
  if (error.empty() && output.is_object() && output.contains("$run_workflow")) {
    // The tool is another workflow: this turn waits for its run, and the
    // turn after takes its result as the call's answer (settleParent).
    try {
      prepareChild(*run, output);
      for (const char* key : {"$run_workflow", "$suspend_until", "awaiting", "execution_id"}) result[key] = output[key];
      result["$stack"] = std::move(stack);
      return attemptEnded(run, index, token, std::move(result), "", cpuMicros);
    } catch (const std::exception& e) {
      error = *e.what() ? e.what() : "the tool failed";
      output = nullptr;
    }
  }
  if (output.is_object())
    for (const char* usage : {"tokens_used", "cost"})
      if (output.contains(usage)) result[usage] = output[usage];
  if (error.empty() && output.is_object() && output.contains("$continue")) {
    // The tool takes another turn, itself or by calling a tool of its own.
    bool calls = output.contains("$call") && output["$call"].is_object();
    if (calls && stack.size() >= static_cast<std::size_t>(kMaxDepth)) {
      error = "Tools call tools at most " + std::to_string(kMaxDepth) + " deep";
    } else {
      auto next = calls ? output["$call"] : json();
      top["previous"] = std::move(output);
      if (calls) stack.push_back({{"call", std::move(next)}, {"previous", nullptr}});
      result["$stack"] = std::move(stack);
      return attemptEnded(run, index, token, std::move(result), "", cpuMicros);
    }
  }
  // The call answered (or failed): its caller reads that at its next turn.
  const auto& done = stack.back()["call"];
  json answer = {{"tool_call", {{"id", done.value("id", json())}, {"name", done.value("name", json())}, {"type", type}}}};
  if (error.empty()) answer["output"] = std::move(output);
  else answer["error"] = error;
  stack.erase(stack.size() - 1);
  if (stack.empty()) {
    answer["$continue"] = std::move(callerState);
    for (const char* usage : {"tokens_used", "cost"})
      if (result.contains(usage)) answer[usage] = result[usage];
    result = std::move(answer);
  } else {
    auto& caller = stack.back();
    answer["$continue"] = caller["previous"].value("$continue", json(true));
    caller["previous"] = std::move(answer);
    result["$stack"] = std::move(stack);
  }
  attemptEnded(run, index, token, std::move(result), "", cpuMicros);
}

bool Engine::offerToWorker(const std::shared_ptr<Run>& run, std::size_t index, std::uint64_t token, const std::string& type,
                           const orch::StepContext& context,
                           std::function<void(std::optional<orch::json>, std::string)> then) {
  // Only a deployed agent's runs, and only steps that do work: the engine's
  // own (waits, branches, the tool loop's turns) and pure ones stay here.
  if (!run->agentId.is_string()) return false;
  auto pool = run->agentId.get<std::string>();
  if (!remote_.serves(pool)) return false;
  auto traits = traitsOf(type);
  if (!traits || traits->pure || traits->hostOnly) return false;
  orch::json step = {{"execution_id", context.executionId}, {"step_id", context.stepId}, {"config", context.config},
                     {"input", context.input},             {"principal", context.principal}};
  auto abandoned = [run, index, token] {
    std::lock_guard lock(run->mutex);
    return run->finished || run->steps[index].token != token;
  };
  return remote_.offer(pool, type, std::move(step), abandoned,
                       [this, run, index, token, then = std::move(then)](orch::json result) {
                         if (result.contains("closed")) {
                           // Undeployed while it waited: a host worker runs it after all.
                           post(run->priority, [this, run, index, token] { runStep(run, index, token); });
                         } else if (result.contains("error")) {
                           const auto& error = result["error"];
                           then(std::nullopt, error.is_string() ? error.get<std::string>() : error.dump());
                         } else {
                           then(result.value("output", orch::json()), "");
                         }
                       });
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
      // A workflow this step starts: inserted with the row that says the step waits for it.
      orch::json child;
      if (auto found = output->find("$run_workflow"); found != output->end()) {
        child = std::move(*found);
        output->erase("$run_workflow");
        child["parent_step_id"] = stepId;
        child["parent_iteration"] = step.iteration;
      }
      commits_.post(
          [this, run, stepId, child, row = orch::json{{"status", "waiting"},
                                              {"iteration", step.iteration},
                                              {"pass", step.pass},
                                              {"attempts", step.attempts},
                                              {"output", output->dump()},
                                              {"wake_ms", *wake},
                                              {"started_at", step.startedAt}},
           saved](orch::Transaction& tx) {
            *saved = holdsLease(*run, tx);
            if (!*saved) return;
            store_.saveStep(run->id, stepId, row, tx);
            if (!child.is_object()) return;
            auto id = child["id"].get<std::string>();
            bool here = child["status"] == "running";
            store_.insertExecution(child, tx);
            store_.insertJob(ExecutionStore::runJobId(id), "run", id, run->priority, nowMs(), here ? owner_ : "",
                             nowMs() + settings_.leaseMs, tx);
          },
          [this, run, index, wake = *wake, out = *output, saved, child](std::exception_ptr error) {
            if (error || !*saved) return abandon(run);
            if (child.is_object() && child["status"] == "running") {
              try {
                startHere(child, plan(child["workflow_id"].get<std::string>(), child["workflow_version"].get<std::string>()));
              } catch (const std::exception&) {
                // Its job is due and unheld in a lease's time: the poll adopts it.
              }
            }
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
         row = orch::json{{"status", "retrying"}, {"iteration", step.iteration}, {"pass", step.pass},
                          {"attempts", step.attempts}, {"error", error}, {"wake_ms", wake},
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
  if (auto onError = planned.config.find("on_error"); onError != planned.config.end() && *onError == "continue") {
    // The workflow goes on with the failure as the step's output: edges with
    // {"on": "error"} are taken, and the others read its "error".
    completeStep(run, index, {{"error", error}, {"failed", true}, {"branch", "error"}}, lock);
    if (step.provisional) {
      lock.unlock();
      dispatch(run, true);
    }
    return;
  }
  step.status = S::Failed;
  auto row = orch::json{{"status", "failed"}, {"iteration", step.iteration}, {"pass", step.pass},
                        {"attempts", step.attempts}, {"error", error},
                        {"started_at", step.startedAt}, {"completed_at", orch::rfc3339Millis(now)}};
  commits_.post([this, run, stepId, row](orch::Transaction& tx) {
    if (holdsLease(*run, tx)) store_.saveStep(run->id, stepId, row, tx);
  });
  finish(run, "failed", "Step '" + stepId + "' failed: " + error, stepId, lock);
}

std::int64_t Engine::backoff(int attempt, const orch::json& config) const {
  return backoffMs(attempt, secondsSetting(config, "retry_delay").value_or(settings_.retryBaseMs));
}

std::int64_t Engine::backoffMs(std::int64_t attempt, std::int64_t baseMs) const {
  return orch::backoffMs(attempt, baseMs, settings_.retryMaxMs);
}

} // namespace workflows
