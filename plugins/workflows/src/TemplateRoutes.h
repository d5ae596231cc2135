#pragma once

#include "StepTypeCatalog.h"
#include "TemplateStore.h"
#include "WorkflowStore.h"

#include <orchestrator/plugin.hpp>

namespace workflows {

/// Registers the template routes: list, get, create, instantiate.
void registerTemplateRoutes(orch::Plugin& plugin, TemplateStore& templates, WorkflowStore& workflows,
                            StepTypeCatalog& catalog);

} // namespace workflows
