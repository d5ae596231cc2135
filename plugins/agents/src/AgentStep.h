#pragma once

#include "AgentStore.h"

#include <orchestrator/plugin.hpp>

namespace agents {

/// The step type `agent`: another agent run as a step (and so as a tool of
/// a tool_loop, which gives it a message): an execution of that agent's
/// workflow, counted for it, whose output the step waits for.
void registerAgentStep(orch::Plugin& plugin, const AgentStore& store);

} // namespace agents
