#include "steps/BuiltinSteps.h"

#include "BuiltinStepTypes.h"

namespace workflows {

std::map<std::string, orch::StepHandler> registerBuiltinSteps(orch::Plugin& plugin,
                                                              std::shared_ptr<const StepSettings> settings) {
  std::map<std::string, orch::StepHandler> handlers = {
      {"start", steps::start},
      {"transform", steps::transform},
      {"condition", steps::condition},
      {"delay", steps::delay},
      {"approval", steps::approval},
      {"workflow", steps::workflow},
      {"ai_prompt", [&plugin](const orch::StepContext& step) { return steps::aiPrompt(plugin, step); }},
      {"email", [&plugin, settings](const orch::StepContext& step) { return steps::email(plugin, *settings, step); }},
      {"api_call", [&plugin, settings](const orch::StepContext& step) { return steps::apiCall(plugin, *settings, step); }},
      {"webhook", [settings](const orch::StepContext& step) { return steps::webhook(*settings, step); }},
      {"tool_loop", [&plugin](const orch::StepContext& step) { return steps::toolLoop(plugin, step); }},
  };
  for (const auto& type : builtinStepTypes())
    plugin.stepType(type.name, type.description, type.configSchema, handlers.at(type.name), {.pure = type.pure, .hostOnly = type.hostOnly});
  return handlers;
}

} // namespace workflows
