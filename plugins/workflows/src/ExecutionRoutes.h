#pragma once

#include "WorkflowStore.h"
#include "engine/Engine.h"

#include <orchestrator/plugin.hpp>

namespace workflows {

/// Registers the execution routes: execute (async or sync), get
/// (also under workflows/executions/{id}), list with filters, cancel, retry.
void registerExecutionRoutes(orch::Plugin& plugin, WorkflowStore& workflows, Engine& engine);

} // namespace workflows
