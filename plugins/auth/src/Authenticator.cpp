#include "AuthContext.h"
#include "Permissions.h"

namespace auth {
namespace {

std::string bearerToken(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return {};
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return std::string(token);
}

} // namespace

orch::AuthResult AuthContext::authenticate(const orch::AuthRequest& request) {
  if (!request.apiKey.empty()) {
    auto grant = apiKeys.authenticate(std::string(request.apiKey));
    if (!grant) return orch::AuthResult::denied("Invalid or expired API key");
    auto identity = users.identity(grant->userId);
    if (!identity || !identity->active) return orch::AuthResult::denied("Invalid or expired API key");
    // A key never grants more than its owner has now.
    std::vector<std::string> owned = identity->principal.at("permissions").get<std::vector<std::string>>();
    orch::json permissions = orch::json::array();
    for (const auto& scope : grant->scopes)
      if (grants(owned, scope)) permissions.push_back(scope);
    auto principal = identity->principal;
    principal["permissions"] = permissions;
    principal["auth_method"] = "api_key";
    principal["api_key_id"] = grant->keyId;
    apiKeys.touched(grant->keyId, [this](std::function<void()> job) { plugin.submit(std::move(job)); });
    return orch::AuthResult::authenticated(std::move(principal));
  }

  auto token = !request.authorization.empty() ? bearerToken(request.authorization) : std::string(request.queryToken);
  if (token.empty()) {
    if (!request.authorization.empty()) return orch::AuthResult::denied("Unsupported authorization scheme");
    return orch::AuthResult::none();
  }
  auto claims = tokens.verify(token, "access", settings.audience);
  if (!claims) return orch::AuthResult::denied("Invalid or expired token");
  if (sessions.revoked(claims->sessionId)) return orch::AuthResult::denied("Token has been revoked");
  if (!sessions.open(claims->sessionId, claims->subject)) return orch::AuthResult::denied("Invalid or expired token");
  auto identity = users.identity(claims->subject);
  if (!identity || !identity->active) return orch::AuthResult::denied("Invalid or expired token");
  auto principal = identity->principal;
  principal["session_id"] = claims->sessionId;
  principal["auth_method"] = "jwt";
  return orch::AuthResult::authenticated(std::move(principal));
}

orch::json AuthContext::tokenResponse(const Sessions::Issued& issued) const {
  return {{"access_token", issued.accessToken},
          {"refresh_token", issued.refreshToken},
          {"token_type", "bearer"},
          {"expires_in", issued.expiresIn}};
}

} // namespace auth
