#pragma once

#include "steps/StepSettings.h"

#include <orchestrator/plugin.hpp>

#include <map>
#include <memory>
#include <string>

namespace workflows {

/// Registers the built-in step types (BuiltinStepTypes.h) with their
/// handlers, so that any plugin can run them through the host, and returns
/// the handlers for this plugin's engine to call directly.
/// `settings` is shared and may be completed later (the webhook secret,
/// read from storage at start).
std::map<std::string, orch::StepHandler> registerBuiltinSteps(orch::Plugin& plugin,
                                                              std::shared_ptr<const StepSettings> settings);

namespace steps {
// One handler per step type, each in its own file under steps/.
orch::json start(const orch::StepContext& step);
orch::json transform(const orch::StepContext& step);
orch::json condition(const orch::StepContext& step);
orch::json delay(const orch::StepContext& step);
orch::json approval(const orch::StepContext& step);
orch::json workflow(const orch::StepContext& step);
orch::json aiPrompt(const orch::Plugin& plugin, const orch::StepContext& step);
orch::json email(const orch::Plugin& plugin, const StepSettings& settings, const orch::StepContext& step);
orch::json apiCall(const orch::Plugin& plugin, const StepSettings& settings, const orch::StepContext& step);
orch::json webhook(const StepSettings& settings, const orch::StepContext& step);
orch::json toolLoop(const orch::Plugin& plugin, const orch::StepContext& step);
} // namespace steps

} // namespace workflows
