// auth/api-keys: create (shown once), list, delete.
#include "AuthContext.h"
#include "Permissions.h"
#include "Caller.h"

#include <orchestrator/time.hpp>

namespace auth {

void registerApiKeyRoutes(AuthContext& auth) {
  auth.plugin.route("POST", "/auth/api-keys", [&auth](orch::Request& request, orch::Response& response) {
    auto body = request.jsonObject();
    auto name = orch::requiredString(body, "name", 100);
    auto held = callerPermissions(request);
    auto scopes = body.contains("scopes") ? orch::stringList(body, "scopes") : held;
    if (scopes.empty()) throw orch::HttpError::validation("scopes", "At least one scope is required");
    for (const auto& scope : scopes)
      if (!grants(held, scope))
        throw orch::HttpError(403, "FORBIDDEN", "A key cannot have the scope '" + scope + "': you do not hold it",
                              {{"scope", scope}});
    auto expiresAt = orch::optionalString(body, "expires_at", 40);
    std::int64_t expiresEpoch = 0;
    if (expiresAt) {
      auto expiresMs = orch::parseRfc3339(*expiresAt);
      if (!expiresMs) throw orch::HttpError::validation("expires_at", "Not an RFC 3339 time");
      expiresEpoch = *expiresMs / 1000;
      if (expiresEpoch <= orch::nowSeconds()) throw orch::HttpError::validation("expires_at", "Must be in the future");
      expiresAt = orch::rfc3339(expiresEpoch);
    }
    response.status(201).json(auth.apiKeys.create(callerId(request), name, scopes, expiresAt, expiresEpoch));
  }, {.summary = "Create an API key (the key is shown only in this answer)"});

  auth.plugin.route("GET", "/auth/api-keys", [&auth](orch::Request& request, orch::Response& response) {
    auto keys = auth.apiKeys.list(callerId(request));
    response.json({{"api_keys", keys}, {"total", keys.size()}});
  }, {.summary = "The caller's API keys, without the keys themselves"});

  auth.plugin.route("DELETE", "/auth/api-keys/{id}", [&auth](orch::Request& request, orch::Response& response) {
    if (!auth.apiKeys.remove(callerId(request), request.param("id"))) throw orch::HttpError::notFound("API key not found");
    response.status(204);
  }, {.summary = "Revoke an API key"});
}

} // namespace auth
