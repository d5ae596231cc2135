// Plugin `ai` ("RelayCore"): the model catalog, routing, provider calls,
// spend and budgets, over HTTP, as the `ai.router` service and, for
// analytics, as the `ai.ledger` feed.
#include "AiRoutes.h"
#include "AiSettings.h"
#include "Gateway.h"
#include "ai_migrations.h"

#include <orchestrator/services/ai_router.hpp>
#include <orchestrator/services/feeds.hpp>
#include <orchestrator/services/health.hpp>
#include <orchestrator/services/metrics.hpp>

#include <dlfcn.h>

#include <filesystem>

namespace {

using orch::json;

/// The catalog shipped beside the plugin file (ai/models.json in the plugin
/// folder, the real one when the plugin is reached through a symbolic link).
std::string shippedCatalog() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&shippedCatalog), &info) || !info.dli_fname) return "ai/models.json";
  std::error_code error;
  auto library = std::filesystem::canonical(info.dli_fname, error);
  return ((error ? std::filesystem::path(info.dli_fname) : library).parent_path() / "ai" / "models.json").string();
}

/// Everything the plugin owns, alive from init to shutdown.
struct AiState {
  AiState(orch::Plugin& plugin, const ai::AiSettings& settings)
      : settings(settings), catalog(settings.catalog.empty() ? shippedCatalog() : settings.catalog),
        ledger(plugin.db(), {settings.userMonthlyUsd, settings.organizationMonthlyUsd}),
        providers(ai::ProviderRegistry::fromConfig([&plugin](const std::string& key) { return plugin.config(key); })),
        gateway(catalog, health, ledger, providers,
                {static_cast<int>(settings.maxAttempts), static_cast<int>(settings.retries),
                 std::chrono::milliseconds(settings.maxRetryWaitMs),
                 std::chrono::milliseconds(settings.requestTimeoutMs), settings.defaultMaxTokens}) {}

  ai::AiSettings settings;
  ai::Catalog catalog;
  ai::ModelHealth health;
  ai::SpendLedger ledger;
  ai::ProviderRegistry providers;
  ai::Gateway gateway;
};

/// The configured providers as the calls of this host found them: a
/// provider is unhealthy while it is out (5xx, unreachable) or every model of
/// it is unavailable; the component only when every provider is.
json providerHealth(const AiState& state) {
  json providers = json::object();
  std::map<std::string, std::pair<double, int>> measured;
  std::map<std::string, bool> anyAvailable;
  auto models = state.catalog.models(); // held: a reload may replace the catalog meanwhile
  for (const auto& model : *models) {
    if (!state.providers.configured(model.provider)) continue;
    auto view = state.health.view(model.id, model.typicalResponseMs);
    anyAvailable[model.provider] = anyAvailable[model.provider] || view.status != "unavailable";
    if (view.measured) {
      measured[model.provider].first += view.avgResponseMs;
      ++measured[model.provider].second;
    }
  }
  bool anyHealthy = false;
  for (const auto& [provider, available] : anyAvailable) {
    bool healthy = available && !state.health.providerDown(provider);
    anyHealthy = anyHealthy || healthy;
    auto found = measured.find(provider);
    providers[provider] = {{"status", healthy ? "healthy" : "unhealthy"},
                           {"response_time", found == measured.end() ? json(nullptr)
                                                                     : json(found->second.first / found->second.second)}};
  }
  json component = {{"status", anyHealthy || providers.empty() ? "healthy" : "unhealthy"}, {"providers", providers}};
  if (!anyHealthy && !providers.empty()) component["message"] = "no configured AI provider is answering";
  return {{"ai_providers", component}};
}

/// ai.router for other plugins (orchestrator/services/ai_router.hpp).
json serveRouter(ai::Gateway& gateway, const std::string& method, const json& message) {
  using namespace orch::services::ai_router;
  if (method == kModels) return gateway.models();
  auto request = Request::fromJson(message);
  auto call = gateway.parse(request.body, request.principal);
  if (method == kRoute) return gateway.decide(call);
  if (method == kComplete) return gateway.complete(call, nullptr);
  throw orch::HttpError::badRequest("unknown method '" + method + "' (complete, route, models)");
}

void init(orch::Plugin& plugin) {
  auto state = std::make_shared<AiState>(plugin, plugin.settings(ai::kAiSettings));
  plugin.migrations(ai_migrations());
  try {
    state->catalog.load();
  } catch (const std::exception& e) {
    throw std::runtime_error("the model catalog " + state->catalog.path() + " cannot be used: " + e.what());
  }
  ai::registerRoutes(plugin, state->gateway, state->ledger);
  plugin.service(orch::services::ai_router::kService, [state](const std::string& method, const json& request) {
    return serveRouter(state->gateway, method, request);
  });

  orch::services::health::contribute(plugin, "ai", [state] { return providerHealth(*state); });
  orch::services::metrics::contribute(plugin, "ai", [state] { return state->ledger.modelUsage().prometheus(); });
  // What analytics reads of the ledger (orchestrator/services/feeds.hpp).
  plugin.service(orch::services::feeds::kAiLedger, [state](const std::string& method, const json& message) -> json {
    namespace feeds = orch::services::feeds;
    if (method == feeds::kCalls) return state->ledger.feed(message);
    if (method == feeds::kBudget) {
      auto organization = message.value("organization_id", json());
      auto limit = organization.is_string() ? state->ledger.budget("organization", organization.get<std::string>())
                                            : state->ledger.budget("user", message.value("user_id", std::string()));
      return {{"budget_usd", limit ? json(*limit) : json(nullptr)}};
    }
    throw orch::HttpError::badRequest("unknown method '" + method + "' (calls, budget)");
  });

  auto reloadMs = static_cast<std::uint64_t>(state->settings.catalogReloadMs);
  auto abandonAfter = state->settings.requestTimeoutMs / 1000 * 2 + 60;
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
