// Plugin `ai` ("RelayCore"): the model catalog, routing, provider calls,
// spend and budgets, over HTTP and as the `ai.router` service.
#include "AiRoutes.h"
#include "Gateway.h"

#include <dlfcn.h>

#include <filesystem>

namespace {

using orch::json;

constexpr const char* kSchema = R"SQL(
CREATE TABLE ai_calls (
  id TEXT PRIMARY KEY, user_id TEXT, organization_id TEXT, model TEXT NOT NULL, provider TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL DEFAULT 0, completion_tokens BIGINT NOT NULL DEFAULT 0,
  cost_nanos BIGINT NOT NULL DEFAULT 0, latency_ms BIGINT NOT NULL DEFAULT 0, status TEXT NOT NULL, error TEXT,
  streamed INTEGER NOT NULL DEFAULT 0, usage_estimated INTEGER NOT NULL DEFAULT 0,
  execution_id TEXT, step_id TEXT, request_id TEXT, created_at TEXT NOT NULL, created_ms BIGINT NOT NULL);
CREATE INDEX ai_calls_user_time ON ai_calls (user_id, created_ms);
CREATE INDEX ai_calls_organization_time ON ai_calls (organization_id, created_ms);
CREATE INDEX ai_calls_execution ON ai_calls (execution_id);
CREATE TABLE ai_budgets (
  scope_type TEXT NOT NULL, scope_id TEXT NOT NULL, monthly_limit_nanos BIGINT NOT NULL,
  updated_at TEXT NOT NULL, updated_by TEXT, PRIMARY KEY (scope_type, scope_id));
CREATE TABLE ai_spend (
  scope_type TEXT NOT NULL, scope_id TEXT NOT NULL, month TEXT NOT NULL, spent_nanos BIGINT NOT NULL DEFAULT 0,
  reserved_nanos BIGINT NOT NULL DEFAULT 0, calls BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (scope_type, scope_id, month));
CREATE TABLE ai_reservations (
  id TEXT PRIMARY KEY, user_id TEXT, organization_id TEXT, user_scoped INTEGER NOT NULL,
  organization_scoped INTEGER NOT NULL, month TEXT NOT NULL, amount_nanos BIGINT NOT NULL, created_epoch BIGINT NOT NULL)
)SQL";

/// The catalog shipped beside the plugin file (ai/models.json in the plugin
/// folder, the real one when the plugin is reached through a symbolic link).
std::string shippedCatalog() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&shippedCatalog), &info) || !info.dli_fname) return "ai/models.json";
  std::error_code error;
  auto library = std::filesystem::canonical(info.dli_fname, error);
  return ((error ? std::filesystem::path(info.dli_fname) : library).parent_path() / "ai" / "models.json").string();
}

template <typename Number>
Number numberSetting(const orch::Plugin& plugin, const std::string& key, Number fallback) {
  auto text = plugin.config(key);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    double value = std::stod(*text, &used);
    if (used == text->size() && value >= 0) return static_cast<Number>(value);
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(key + ": must be a number of at least 0, not '" + *text + "'");
}

/// Everything the plugin owns, alive from init to shutdown.
struct AiState {
  explicit AiState(orch::Plugin& plugin)
      : catalog(plugin.config("ai.catalog", shippedCatalog())),
        ledger(plugin.db(), {numberSetting(plugin, "ai.budgets.user_monthly_usd", 0.0),
                             numberSetting(plugin, "ai.budgets.organization_monthly_usd", 0.0)}),
        providers(ai::ProviderRegistry::fromConfig([&plugin](const std::string& key) { return plugin.config(key); })),
        gateway(catalog, health, ledger, providers,
                {numberSetting(plugin, "ai.max_attempts", 3), numberSetting(plugin, "ai.retries", 2),
                 std::chrono::milliseconds(numberSetting(plugin, "ai.max_retry_wait_ms", 10000)),
                 std::chrono::milliseconds(numberSetting(plugin, "ai.request_timeout_ms", 120000)),
                 numberSetting<std::int64_t>(plugin, "ai.default_max_tokens", 1024)}) {}

  ai::Catalog catalog;
  ai::ModelHealth health;
  ai::SpendLedger ledger;
  ai::ProviderRegistry providers;
  ai::Gateway gateway;
};

/// ai.router for other plugins: "complete" answers like POST ai/route,
/// "route" like POST models/route, "models" like GET ai/models. The request
/// names who pays with "principal" ({id, organization_ids}) or "user_id".
json serveRouter(ai::Gateway& gateway, const std::string& method, const json& request) {
  if (!request.is_object()) throw orch::HttpError::badRequest("the request must be a JSON object");
  if (method == "models") return gateway.models();
  json principal = request.value("principal", json());
  if (!principal.is_object()) {
    principal = {{"id", request.value("user_id", std::string())}, {"organization_ids", json::array()}};
    if (request.contains("organization_id")) principal["organization_ids"].push_back(request["organization_id"]);
  }
  auto call = gateway.parse(request, principal);
  if (method == "route") return gateway.decide(call);
  if (method == "complete") return gateway.complete(call, nullptr);
  throw orch::HttpError::badRequest("unknown method '" + method + "' (complete, route, models)");
}

void init(orch::Plugin& plugin) {
  auto state = std::make_shared<AiState>(plugin);
  plugin.migration(1, "AI calls, budgets, spend and reservations", kSchema);
  try {
    state->catalog.load();
  } catch (const std::exception& e) {
    throw std::runtime_error("the model catalog " + state->catalog.path() + " cannot be used: " + e.what());
  }
  ai::registerRoutes(plugin, state->gateway, state->ledger);
  plugin.service("ai.router", [state](const std::string& method, const json& request) {
    return serveRouter(state->gateway, method, request);
  });

  auto reloadMs = numberSetting<std::uint64_t>(plugin, "ai.catalog_reload_ms", 1000);
  auto abandonAfter = numberSetting<std::int64_t>(plugin, "ai.request_timeout_ms", 120000) / 1000 * 2 + 60;
  plugin.onStart([&plugin, state, reloadMs, abandonAfter] {
    state->ledger.reloadBudgets();
    state->ledger.releaseAbandoned(abandonAfter);
    if (reloadMs > 0)
      plugin.timer(reloadMs, reloadMs, [&plugin, state] {
        try {
          if (state->catalog.reloadIfChanged())
            plugin.logInfo("model catalog reloaded: " + std::to_string(state->catalog.models()->size()) + " models");
        } catch (const std::exception& e) {
          plugin.logError("model catalog not reloaded, the previous one stays: " + std::string(e.what()));
        }
      });
    plugin.timer(200, 200, [&plugin, state] {
      try {
        state->ledger.flush();
      } catch (const std::exception& e) {
        plugin.logError("AI call records not written yet: " + std::string(e.what()));
      }
    });
    plugin.timer(2000, 2000, [state] { state->ledger.reloadBudgets(); });
    plugin.timer(60000, 60000, [state, abandonAfter] { state->ledger.releaseAbandoned(abandonAfter); });
  });
  plugin.onShutdown([state] { state->ledger.flush(); });
}

} // namespace

ORCH_PLUGIN("ai", "1.0.0", "AI routing: model catalog, provider calls, cost tracking and budgets", init)
