#pragma once

#include "StepTypeCatalog.h"
#include "WorkflowStore.h"

#include <orchestrator/plugin.hpp>

namespace workflows {

/// Registers the workflow routes: list, create, get (also of a
/// version), update, soft delete, and the version history.
void registerWorkflowRoutes(orch::Plugin& plugin, WorkflowStore& store, StepTypeCatalog& catalog);

/// A status as clients send it (any case; PAUSED means inactive) in canonical
/// lower case; nullopt for anything else.
std::optional<std::string> canonicalStatus(std::string status);

} // namespace workflows
