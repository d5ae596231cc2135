// Workflow step types: what a step sees when it runs and what it may answer.
// sdk/README.md ("Writing a step type") says everything a step author must
// know; in short:
//
// - At least once. When a host dies mid-step, or a step outlives its timeout,
//   the step runs again (on another worker, once the lease expires); a retry
//   and POST executions/{id}/retry run it again too. StepContext::executionId
//   and stepId are the same on every run of one step: key side effects by them.
// - Errors. A config that does not fit the step type's schema is a 422 when
//   the workflow is saved. At run time any exception (an HttpError too) fails
//   the attempt, and the engine retries it as the step's retry settings say
//   (`retry_count`, `retry_delay`), then fails the step with the message;
//   an HttpError's message reads "field: issue".
// - Pure steps (StepOptions::pure) only compute from config and input; the
//   engine may run them at once on outputs still being committed.
// - The engine reads these members of the output object: "$suspend_until"
//   (RFC 3339 or epoch ms) suspends the execution until then without holding
//   a thread, and the step completes then with the rest of its output
//   (orch::suspendUntil); numbers "tokens_used" and "cost" (US dollars) add
//   to the execution's tokens_used and cost (orch::withUsage);
//   "$run_workflow" makes this step's work another execution, which the
//   engine starts and waits for without a thread (orch::runWorkflow).
// - Templating. Before the call every string in the config has its {{...}}
//   filled from the execution's input and earlier outputs; a top-level config
//   key named in the schema's "x-no-template" array is passed as written.
#pragma once

#include "boundary.hpp"
#include "time.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace orch {

/// What a step sees when it runs.
struct StepContext {
  json config;             ///< the step's config, templates filled
  json input;              ///< the execution's input and earlier steps' outputs
  std::string executionId; ///< with stepId, the same on every run of this step
  std::string stepId;
  json principal;          ///< who started the execution (orch::Tenant::ofPrincipal)
};

/// Runs a step: returns its output (a JSON object) or throws.
using StepHandler = std::function<json(const StepContext&)>;

/// How a step type behaves, beyond its schema.
struct StepOptions {
  /// Only computes from config and input (ORCH_STEP_PURE).
  bool pure = false;
  /// Only starts or waits for other work: runs in the host, never in a
  /// deployed agent's worker (ORCH_STEP_HOST_ONLY).
  bool hostOnly = false;
};

/// The output member that suspends the execution until `epochMs` (the step
/// completes then, with the rest of `output`).
inline json suspendUntil(std::int64_t epochMs, json output = json::object()) {
  output["$suspend_until"] = rfc3339Millis(epochMs);
  return output;
}

/// The output that hands this step's work to a run of another workflow:
/// the engine starts it as an execution of its own (in the transaction that
/// records this step as waiting, so a crash starts it once or not at all),
/// and the step completes when it ends, with {execution_id, status, output}.
/// A failed or cancelled run fails the step (a tool call's error goes back to
/// its model), and so does one still running after `timeoutMs`, which is
/// then cancelled. The principal must see the workflow; nesting is bounded.
inline json runWorkflow(std::string workflowId, json input, std::int64_t timeoutMs, json output = json::object()) {
  output["$run_workflow"] = {{"workflow_id", std::move(workflowId)}, {"input", std::move(input)}};
  output["$suspend_until"] = nowMs() + timeoutMs;
  return output;
}

/// `output` with the tokens and cost (US dollars) the step spent, which the
/// engine adds to the execution's tokens_used and cost.
inline json withUsage(json output, std::int64_t tokens, double costUsd) {
  output["tokens_used"] = tokens;
  output["cost"] = costUsd;
  return output;
}

} // namespace orch
