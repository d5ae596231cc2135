#pragma once

#include "ApiKeys.h"
#include "AuthSettings.h"
#include "LoginThrottle.h"
#include "Organizations.h"
#include "Passwords.h"
#include "Sessions.h"
#include "TokenService.h"
#include "UserDirectory.h"

#include <orchestrator/plugin.hpp>

namespace auth {

/// Everything the routes and the authenticator share; lives as long as the plugin.
struct AuthContext {
  AuthContext(orch::Plugin& plugin, AuthSettings settings, const TokenService::Settings& tokenSettings)
      : plugin(plugin), settings(std::move(settings)), tokens(tokenSettings),
        passwords(static_cast<std::size_t>(this->settings.passwordMinLength)),
        users(plugin.db(), std::chrono::seconds(5)),
        sessions(plugin.db(), tokens, this->settings.audience,
                 {this->settings.accessTokenSeconds, this->settings.refreshTokenSeconds}),
        apiKeys(plugin.db(), std::chrono::seconds(5)), organizations(plugin.db()),
        throttle(static_cast<std::uint32_t>(this->settings.failedLoginsPerHour)) {}

  orch::Plugin& plugin;
  AuthSettings settings;
  TokenService tokens;
  Passwords passwords;
  UserDirectory users;
  Sessions sessions;
  ApiKeys apiKeys;
  Organizations organizations;
  LoginThrottle throttle;

  /// The host's authenticator hook: a bearer access token or an X-API-KEY.
  orch::AuthResult authenticate(const orch::AuthRequest& request);
  /// The body of a successful login or refresh.
  orch::json tokenResponse(const Sessions::Issued& issued) const;
};

void registerAccountRoutes(AuthContext& auth);
void registerApiKeyRoutes(AuthContext& auth);
void registerOrganizationRoutes(AuthContext& auth);
void registerAdminRoutes(AuthContext& auth);
/// The schema, as ordered migrations.

} // namespace auth
