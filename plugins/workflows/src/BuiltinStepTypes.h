#pragma once

#include <orchestrator/plugin.hpp>

#include <string>
#include <vector>

namespace workflows {

/// A step type the plugin ships: its name, what it does, and the JSON Schema
/// (draft 7, compiled with ConfigSchema) a step's config must satisfy.
/// Schemas are strict about what a step cannot run without and permissive
/// about the rest (additional properties are allowed: clients send extras).
struct BuiltinStepType {
  std::string name;
  std::string description;
  orch::json configSchema;
  bool pure = false; ///< only computes from config and input (orch::StepOptions::pure)
  bool hostOnly = false; ///< only starts or waits for other work: never in an agent's worker (StepOptions::hostOnly)
};

/// start, ai_prompt, email, api_call, condition, delay, transform, webhook, approval, tool_loop,
/// in that order; built once, read-only afterwards.
const std::vector<BuiltinStepType>& builtinStepTypes();

} // namespace workflows
