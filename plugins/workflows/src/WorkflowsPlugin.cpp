// Plugin `workflows`: workflow definitions, versions, templates and their
// durable executions (API.md, "Workflows, templates, executions").
#include "ExecutionRoutes.h"
#include "StepTypeCatalog.h"
#include "TemplateRoutes.h"
#include "TemplateStore.h"
#include "WorkflowRoutes.h"
#include "WorkflowStore.h"
#include "engine/Engine.h"
#include "engine/ExecutionWebhooks.h"
#include "outbound/WebhookSignature.h"
#include "steps/BuiltinSteps.h"

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
  // Times the engine compares are epoch milliseconds (BIGINT); times a client
  // reads are RFC 3339 text, like every other table.
  plugin.migration(4, "executions, their steps and the job queue", R"SQL(
CREATE TABLE wf_executions (
  id TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  workflow_version TEXT NOT NULL,
  agent_id TEXT,
  owner_id TEXT NOT NULL,
  organization_id TEXT,
  principal TEXT NOT NULL,
  status TEXT NOT NULL,
  priority INTEGER NOT NULL,
  execution_mode TEXT NOT NULL,
  input TEXT NOT NULL,
  metadata TEXT NOT NULL,
  output TEXT,
  error TEXT,
  failed_step TEXT,
  webhook_url TEXT,
  timeout_ms BIGINT,
  retry_count INTEGER NOT NULL,
  correlation_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  scheduled_at TEXT,
  started_at TEXT,
  started_ms BIGINT,
  deadline_ms BIGINT,
  completed_at TEXT,
  duration_ms BIGINT,
  cpu_us BIGINT,
  peak_bytes BIGINT
);
CREATE INDEX wf_executions_workflow ON wf_executions (workflow_id, created_at);
CREATE INDEX wf_executions_owner ON wf_executions (owner_id, created_at);
CREATE INDEX wf_executions_created ON wf_executions (created_at);
CREATE TABLE wf_execution_steps (
  execution_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  output TEXT,
  error TEXT,
  tokens_used BIGINT,
  cost DOUBLE PRECISION,
  started_at TEXT,
  completed_at TEXT,
  wake_ms BIGINT,
  PRIMARY KEY (execution_id, step_id)
);
CREATE TABLE wf_jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  priority INTEGER NOT NULL,
  run_at_ms BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX wf_jobs_due ON wf_jobs (lease_until_ms, run_at_ms);
CREATE INDEX wf_jobs_owner ON wf_jobs (lease_owner);
CREATE TABLE wf_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
)
)SQL");
}

/// The signing secret of webhooks: `workflows.webhook_secret`, or one made
/// once and kept in storage, so every host (and every restart) signs alike.
std::string webhookSecret(const orch::Plugin& plugin) {
  if (auto configured = plugin.config("workflows.webhook_secret"); configured && !configured->empty()) return *configured;
  plugin.db().execute("INSERT INTO wf_settings (name, value) VALUES ('webhook_secret', ?) ON CONFLICT (name) DO NOTHING",
                      {outbound::webhook_signature::newSecret()});
  return plugin.db().queryOne("SELECT value FROM wf_settings WHERE name = 'webhook_secret'")->at("value").get<std::string>();
}

struct State {
  explicit State(orch::Plugin& plugin)
      : store(plugin.db()), templates(plugin.db()),
        catalog([&plugin](const std::string& name) { return plugin.stepTypeDescription(name); }),
        stepSettings(std::make_shared<StepSettings>(StepSettings::from(plugin))),
        engine(plugin, EngineSettings::from(plugin)), webhooks(engine, stepSettings) {}
  WorkflowStore store;
  TemplateStore templates;
  StepTypeCatalog catalog;
  std::shared_ptr<StepSettings> stepSettings;
  Engine engine;
  ExecutionWebhooks webhooks;
};

void init(orch::Plugin& plugin) {
  registerMigrations(plugin);
  auto state = std::make_shared<State>(plugin);
  state->engine.runLocally(registerBuiltinSteps(plugin, state->stepSettings));
  registerWorkflowRoutes(plugin, state->store, state->catalog);
  registerTemplateRoutes(plugin, state->templates, state->store, state->catalog);
  registerExecutionRoutes(plugin, state->store, state->engine);
  plugin.route("GET", "/workflows/webhook-secret", [state](orch::Request&, orch::Response& response) {
    response.json({{"secret", state->stepSettings->webhookSecret}, {"scheme", "Standard Webhooks (HMAC-SHA256)"}});
  }, {.permission = "admin:webhooks", .summary = "The secret that signs webhook steps and execution webhooks"});
  plugin.onStart([&plugin, state] {
    state->templates.installBuiltins();
    state->stepSettings->webhookSecret = webhookSecret(plugin);
    state->engine.onNotify([state](const ExecutionStore::Job& job) { state->webhooks.deliver(job); });
    state->engine.start();
  });
  plugin.onShutdown([state] { state->engine.stop(); });
}

} // namespace
} // namespace workflows

ORCH_PLUGIN("workflows", "0.2.0", "Workflows, versions, templates and durable executions", workflows::init)
