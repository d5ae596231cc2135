#include "steps/BuiltinSteps.h"

#include <orchestrator/services/ai_router.hpp>

namespace workflows::steps {

namespace ai_router = orch::services::ai_router;

orch::json aiPrompt(const orch::Plugin& plugin, const orch::StepContext& step) {
  ai_router::Request request{{{"prompt", step.config["prompt"]}}, step.principal, step.executionId, step.stepId};
  for (const char* key : {"model", "max_tokens", "temperature", "system", "routing_preferences", "task_type",
                          "fallback_models", "priority", "messages"})
    if (step.config.contains(key)) request.body[key] = step.config[key];
  if (step.config.contains("provider")) request.body["providers"] = orch::json::array({step.config["provider"]});
  // Routed, recorded and held to the caller's budget by the ai plugin.
  auto answer = ai_router::complete(plugin, request);
  orch::json output = {{"response", answer.response},
                       {"text", answer.response},
                       {"model_used", answer.modelUsed},
                       {"provider", answer.provider},
                       {"tokens", answer.raw.value("tokens", orch::json::object())},
                       {"call_id", answer.callId}};
  return orch::withUsage(std::move(output), answer.totalTokens, answer.cost);
}

} // namespace workflows::steps
