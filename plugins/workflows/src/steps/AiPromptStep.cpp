#include "steps/BuiltinSteps.h"

namespace workflows::steps {

orch::json aiPrompt(const orch::Plugin& plugin, const orch::StepContext& step) {
  orch::json request = {{"prompt", step.config["prompt"]},
                        {"principal", step.principal},
                        {"execution_id", step.executionId},
                        {"step_id", step.stepId}};
  for (const char* key : {"model", "max_tokens", "temperature", "system", "routing_preferences", "task_type",
                          "fallback_models", "priority", "messages"})
    if (step.config.contains(key)) request[key] = step.config[key];
  if (step.config.contains("provider")) request["providers"] = orch::json::array({step.config["provider"]});
  // Routed, recorded and held to the caller's budget by the ai plugin.
  auto answer = plugin.callService("ai.router", "complete", request);
  auto tokens = answer.value("tokens", orch::json::object());
  return {{"response", answer.value("response", std::string())},
          {"text", answer.value("response", std::string())},
          {"model_used", answer.value("model_used", orch::json())},
          {"provider", answer.value("provider", orch::json())},
          {"tokens", tokens},
          {"tokens_used", tokens.value("total", 0)},
          {"cost", answer.value("cost", 0.0)},
          {"call_id", answer.value("call_id", orch::json())}};
}

} // namespace workflows::steps
