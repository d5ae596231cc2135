// Plugin `credentials`: named secrets for steps (SMTP logins, API keys, bearer
// tokens, basic auth), sealed at rest with libsodium, never answered to a
// client. Steps reach them through the service "credentials" (method
// "resolve"); an expiry publishes `credential.expired`.
#include "CredentialRoutes.h"
#include "CredentialStore.h"
#include "credentials_migrations.h"

#include <orchestrator/services/credentials.hpp>
#include <orchestrator/time.hpp>

#include <memory>

namespace {

struct CredentialsSettings {
  std::int64_t expiryCheckIntervalMs = 0;
};

const orch::SettingsMap<CredentialsSettings> kCredentialsSettings = {
    {"credentials.expiry_check_interval_ms", &CredentialsSettings::expiryCheckIntervalMs, "60000",
     "How often expired credentials are looked for (each expiry publishes credential.expired once)",
     {.minimum = "100"}},
};

void init(orch::Plugin& plugin) {
  auto settings = plugin.settings(kCredentialsSettings);
  plugin.migrations(credentials_migrations());
  auto store = std::make_shared<credentials::CredentialStore>(plugin.db(), sealing::KeyRing::fromConfig(plugin));
  credentials::registerCredentialRoutes(plugin, *store);

  // The principal is the one the step runs for, so a workflow only ever uses
  // its tenant's secrets (orchestrator/services/credentials.hpp).
  namespace service = orch::services::credentials;
  plugin.service(service::kService, [store](const std::string& method, const orch::json& message) -> orch::json {
    if (method != service::kResolve) throw orch::HttpError::badRequest("credentials: unknown method '" + method + "'");
    auto request = service::ResolveRequest::fromJson(message);
    auto tenant = orch::Tenant::ofPrincipal(request.principal);
    return (request.id.empty() ? store->resolveNamed(request.name, tenant) : store->resolve(request.id, tenant)).toJson();
  });

  auto intervalMs = settings.expiryCheckIntervalMs;
  plugin.onStart([&plugin, store, intervalMs] {
    // After a key rotation: every row under the new key, so the old one can go.
    sealing::resealAndLog(plugin, store->keys(), credentials::CredentialStore::sealedColumn());
    plugin.timer(0, static_cast<std::uint64_t>(intervalMs), [&plugin, store] {
      try {
        for (auto& credential : store->claimExpired(orch::nowMs())) {
          credential["credential_id"] = credential["id"];
          plugin.publish("credential.expired", credential);
        }
      } catch (const std::exception& e) {
        plugin.logWarning(std::string("credentials: expiry check failed: ") + e.what());
      }
    });
  });
}

} // namespace

ORCH_PLUGIN("credentials", "1.0.0", "Named secrets for steps, encrypted at rest", init)
