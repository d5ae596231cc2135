// Plugin `workflows`: workflow definitions, versions, templates and their
// durable executions, each posted to its webhook_url when it ends.
#include "ExecutionRoutes.h"
#include "ExecutionWebhooks.h"
#include "StepTypeCatalog.h"
#include "TemplateRoutes.h"
#include "TemplateStore.h"
#include "WorkerPools.h"
#include "WorkerRoutes.h"
#include "WorkflowRoutes.h"
#include "WorkflowsHealth.h"
#include "WorkflowStore.h"
#include "WorkflowsService.h"
#include "engine/Engine.h"
#include "outbound/WebhookSignature.h"
#include "steps/BuiltinSteps.h"
#include "workflows_migrations.h"

#include <orchestrator/plugin.hpp>


namespace workflows {
namespace {

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
        engine(plugin, EngineSettings::from(plugin)), webhooks(engine, stepSettings), pools(plugin.db(), engine.remote(), plugin.config("server.host_id", "")) {}
  WorkflowStore store;
  TemplateStore templates;
  StepTypeCatalog catalog;
  std::shared_ptr<StepSettings> stepSettings;
  Engine engine;
  ExecutionWebhooks webhooks;
  WorkerPools pools;
};

void init(orch::Plugin& plugin) {
  plugin.migrations(workflows_migrations());
  auto state = std::make_shared<State>(plugin);
  state->engine.runLocally(registerBuiltinSteps(plugin, state->stepSettings));
  registerWorkflowRoutes(plugin, state->store, state->catalog);
  registerTemplateRoutes(plugin, state->templates, state->store, state->catalog);
  registerExecutionRoutes(plugin, state->store, state->engine);
  registerWorkflowsService(plugin, state->store, state->catalog, state->engine, state->pools);
  registerWorkflowsHealth(plugin, state->stepSettings);
  registerWorkflowsMetrics(plugin, state->engine);
  registerWorkerRoutes(plugin, state->pools, state->engine.remote(), state->engine.settings().workerServices);
  plugin.route("GET", "/workflows/webhook-secret", [state](orch::Request&, orch::Response& response) {
    response.json({{"secret", state->stepSettings->webhookSecret}, {"scheme", "Standard Webhooks (HMAC-SHA256)"}});
  }, {.permission = "admin:webhooks", .summary = "The secret that signs webhook steps and execution webhooks"});
  plugin.onStart([&plugin, state] {
    // In an agent's worker this plugin only lends its step types: the host runs the executions.
    if (plugin.config("server.role", "") == "worker") return;
    state->templates.installBuiltins();
    state->stepSettings->webhookSecret = webhookSecret(plugin);
    state->engine.onNotify([state](const ExecutionStore::Job& job) { state->webhooks.deliver(job); });
    state->pools.share({{"workflows.webhook_secret", state->stepSettings->webhookSecret}});
    state->pools.load();
    state->engine.start();
  });
  plugin.onShutdown([state] { state->engine.stop(); });
}

} // namespace
} // namespace workflows

ORCH_PLUGIN("workflows", "0.2.0", "Workflows, versions, templates and durable executions", workflows::init)
