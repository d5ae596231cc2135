// Plugin `workflows`: workflow definitions, versions and templates (API.md,
// "Workflows, templates, executions"). Executions arrive with the engine.
#include "BuiltinStepTypes.h"
#include "StepTypeCatalog.h"
#include "TemplateRoutes.h"
#include "TemplateStore.h"
#include "WorkflowRoutes.h"
#include "WorkflowStore.h"

#include <orchestrator/plugin.hpp>

namespace workflows {
namespace {

void registerMigrations(orch::Plugin& plugin) {
  plugin.migration(1, "workflows and their versions", R"SQL(
CREATE TABLE wf_workflows (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  category TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  settings TEXT NOT NULL DEFAULT '{}',
  graph TEXT NOT NULL,
  version TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  template_id TEXT,
  agent_id TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX wf_workflows_owner ON wf_workflows (owner_id, deleted_at);
CREATE INDEX wf_workflows_organization ON wf_workflows (organization_id, deleted_at);
CREATE TABLE wf_workflow_versions (
  workflow_id TEXT NOT NULL REFERENCES wf_workflows(id),
  version TEXT NOT NULL,
  graph TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT,
  PRIMARY KEY (workflow_id, version)
)
)SQL");
  plugin.migration(2, "templates", R"SQL(
CREATE TABLE wf_templates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  category TEXT,
  featured INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '[]',
  preview_image TEXT,
  parameters TEXT NOT NULL DEFAULT '[]',
  graph TEXT NOT NULL,
  builtin INTEGER NOT NULL DEFAULT 0,
  owner_id TEXT,
  organization_id TEXT,
  usage_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX wf_templates_owner ON wf_templates (owner_id);
CREATE INDEX wf_templates_category ON wf_templates (category)
)SQL");
  plugin.migration(3, "seed 004's workflow_type and framework",
                   "ALTER TABLE wf_workflows ADD COLUMN workflow_type TEXT;"
                   "ALTER TABLE wf_workflows ADD COLUMN framework TEXT;"
                   "CREATE INDEX wf_workflows_agent ON wf_workflows (agent_id, deleted_at)");
}

struct State {
  explicit State(orch::Plugin& plugin)
      : store(plugin.db()), templates(plugin.db()),
        catalog([&plugin](const std::string& name) { return plugin.stepTypeDescription(name); }) {}
  WorkflowStore store;
  TemplateStore templates;
  StepTypeCatalog catalog;
};

void init(orch::Plugin& plugin) {
  registerMigrations(plugin);
  for (const auto& stepType : builtinStepTypes()) {
    plugin.stepType(stepType.name, stepType.description, stepType.configSchema, [name = stepType.name](const orch::StepContext&) -> orch::json {
      // Issue 4 defines the step types; the execution engine (issue 6) runs them.
      throw std::runtime_error("step type '" + name + "' cannot run yet: this build has no execution engine");
    });
  }
  auto state = std::make_shared<State>(plugin);
  registerWorkflowRoutes(plugin, state->store, state->catalog);
  registerTemplateRoutes(plugin, state->templates, state->store, state->catalog);
  plugin.onStart([state] { state->templates.installBuiltins(); });
  // The routes hold references into `state`; this keeps it alive until shutdown.
  plugin.onShutdown([state] {});
}

} // namespace
} // namespace workflows

ORCH_PLUGIN("workflows", "0.1.0", "Workflows, versions and templates", workflows::init)
