#pragma once

#include <orchestrator/plugin.hpp>

#include <string>
#include <vector>

namespace auth {

/// The authenticated caller's user id (routes that are not public always have one).
inline std::string callerId(const orch::Request& request) {
  const auto& principal = request.principal();
  if (!principal.is_object() || !principal.contains("id")) throw orch::HttpError::unauthorized();
  return principal["id"].get<std::string>();
}

/// The caller's permissions as the authenticator granted them.
inline std::vector<std::string> callerPermissions(const orch::Request& request) {
  std::vector<std::string> permissions;
  const auto& principal = request.principal();
  if (principal.is_object())
    for (const auto& p : principal.value("permissions", orch::json::array())) permissions.push_back(p.get<std::string>());
  return permissions;
}

/// Admin by what the credentials grant (an admin's narrowly scoped API key is not).
inline bool callerIsAdmin(const orch::Request& request) {
  for (const auto& p : callerPermissions(request))
    if (p == "admin:*" || p == "*") return true;
  return false;
}

} // namespace auth
