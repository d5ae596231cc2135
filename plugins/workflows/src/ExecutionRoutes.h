#pragma once

#include "WorkflowStore.h"
#include "engine/Engine.h"

#include <orchestrator/plugin.hpp>

namespace workflows {

/// Starts `run` of `workflow` (a row the caller may see): 400 WORKFLOW_ERROR
/// unless it is active, has steps and every step type is loaded. Returns the
/// new execution row and its plan. For the route and the workflows service.
std::pair<orch::json, std::shared_ptr<const Plan>> startExecution(Engine& engine, const orch::json& workflow,
                                                                   const ExecutionRequest& run);
/// What startExecution checks, without starting: the plan `run` would follow.
std::shared_ptr<const Plan> runnablePlan(Engine& engine, const orch::json& workflow, const ExecutionRequest& run);

/// Registers the execution routes: execute (async or sync), get
/// (also under workflows/executions/{id}), list with filters, cancel, retry.
void registerExecutionRoutes(orch::Plugin& plugin, WorkflowStore& workflows, Engine& engine);

} // namespace workflows
