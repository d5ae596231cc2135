// The steps that shape the flow itself: start, transform, condition, delay,
// approval, and workflow (another workflow's run as a step).
#include "steps/BuiltinSteps.h"

#include "engine/Expression.h"

#include <orchestrator/time.hpp>

namespace workflows::steps {
namespace {

const orch::json& executionInput(const orch::StepContext& step) {
  static const orch::json empty = orch::json::object();
  auto found = step.input.find("input");
  return found == step.input.end() ? empty : *found;
}

} // namespace

orch::json start(const orch::StepContext& step) {
  // The execution's input, passed on, so `steps.<start>.output.x` reads it too.
  return executionInput(step);
}

orch::json transform(const orch::StepContext& step) {
  const auto& config = step.config;
  if (config.contains("mapping")) return config["mapping"];
  if (config.contains("expression"))
    return {{"result", evaluate(config["expression"].get<std::string>(), Variables(step.input))}};
  return {{"text", config.value("template", std::string())}};
}

orch::json condition(const orch::StepContext& step) {
  auto expression = step.config.contains("expression") ? step.config["expression"].get<std::string>()
                                                       : step.config.value("condition", std::string());
  bool result = truthy(evaluate(expression, Variables(step.input)));
  return {{"result", result}, {"branch", result ? "true" : "false"}, {"expression", expression}};
}

orch::json approval(const orch::StepContext& step) {
  // Waits as a delay does (a row, no thread) until POST executions/{id}/resume
  // decides, or its time runs out: the branch then says "timed_out".
  const auto& config = step.config;
  auto seconds = config.value("timeout_seconds", 7.0 * 86400);
  auto now = orch::nowMs();
  return {{"$suspend_until", now + static_cast<std::int64_t>(seconds * 1000)},
          {"awaiting", "approval"},
          {"message", config.value("message", std::string("Approval needed"))},
          {"requested_at", orch::rfc3339Millis(now)},
          {"decision", "timed_out"},
          {"branch", "timed_out"}};
}

orch::json delay(const orch::StepContext& step) {
  const auto& config = step.config;
  auto now = orch::nowMs();
  std::int64_t until = now;
  if (config.contains("until")) {
    auto at = orch::parseRfc3339(config["until"].get<std::string>());
    if (!at) throw std::runtime_error("until must be an RFC 3339 date-time");
    until = std::max(now, *at);
  } else {
    auto seconds = config.contains("seconds") ? config["seconds"] : config.value("duration_seconds", orch::json(0));
    until = now + static_cast<std::int64_t>(seconds.get<double>() * 1000);
  }
  // The engine keeps this moment in the step's row and wakes the step then,
  // across restarts; the output the step ends with is this one, resumed.
  return orch::suspendUntil(until, {{"delayed_until", orch::rfc3339Millis(until)},
                                    {"delay_seconds", static_cast<double>(until - now) / 1000.0}});
}

orch::json workflow(const orch::StepContext& step) {
  // As a tool its config is a model's arguments, which no schema checked.
  const auto& config = step.config;
  auto id = config.value("workflow_id", orch::json());
  if (!id.is_string() || id.get<std::string>().empty()) throw std::runtime_error("workflow_id must name a workflow");
  auto input = config.value("input", orch::json::object());
  if (!input.is_object()) throw std::runtime_error("input must be an object");
  auto seconds = config.value("timeout_seconds", orch::json(3600.0));
  if (!seconds.is_number() || seconds.get<double>() <= 0 || seconds.get<double>() > 2592000)
    throw std::runtime_error("timeout_seconds must be a number of seconds up to 30 days");
  return orch::runWorkflow(id.get<std::string>(), std::move(input), static_cast<std::int64_t>(seconds.get<double>() * 1000));
}

} // namespace workflows::steps
