#pragma once

#include "StepTypeCatalog.h"
#include "WorkerPools.h"
#include "WorkflowStore.h"
#include "engine/Engine.h"

#include <orchestrator/plugin.hpp>

namespace workflows {

/// The service "workflows" (orchestrator/services/workflows.hpp): another
/// plugin saves a graph as a workflow and runs it; and the framework adapter
/// `native`, whose definitions are the workflow graph itself. Deployed
/// agents' workers are attached and checked through it too (WorkerPools).
void registerWorkflowsService(orch::Plugin& plugin, WorkflowStore& store, StepTypeCatalog& catalog, Engine& engine,
                              WorkerPools& pools);

} // namespace workflows
