// The service "credentials" of the credentials plugin: a step asks for the
// secret it was configured with (credential_id) on behalf of whoever runs
// the workflow. Both sides use these types, so the JSON they exchange is
// written here once.
#pragma once

#include "../plugin.hpp"

#include <string>

namespace orch::services::credentials {

inline constexpr const char* kService = "credentials";
/// A credential with its secret fields, if the principal may see it.
inline constexpr const char* kResolve = "resolve";

/// Which credential, for whom: only a credential the principal sees (its own
/// or its organizations') resolves; any other is not found. By `id`, or by
/// `name` when id is empty (a workflow imported from n8n names its
/// credentials): the principal's own of that name before an organization's.
struct ResolveRequest {
  std::string id;
  json principal;
  std::string name;

  json toJson() const { return {{"id", id}, {"principal", principal}, {"name", name}}; }
  static ResolveRequest fromJson(const json& message) {
    ResolveRequest request;
    if (message.is_object() && message.value("id", json()).is_string()) request.id = message["id"].get<std::string>();
    if (message.is_object() && message.value("name", json()).is_string()) request.name = message["name"].get<std::string>();
    if (request.id.empty() && request.name.empty()) throw HttpError::validation("credential_id", "Required");
    request.principal = message.value("principal", json());
    return request;
  }
};

/// A resolved credential: its type ("smtp", "basic", "api_key", "bearer",
/// "generic") and its secret fields.
struct Credential {
  std::string id, name, type;
  json data = json::object();

  json toJson() const { return {{"id", id}, {"name", name}, {"type", type}, {"data", data}}; }
  static Credential fromJson(const json& message) {
    return {message.value("id", std::string()), message.value("name", std::string()),
            message.value("type", std::string()), message.value("data", json::object())};
  }
};

/// Resolves one; throws with the service's message (not found, expired).
inline Credential resolve(const Plugin& plugin, const ResolveRequest& request) {
  return Credential::fromJson(plugin.callService(kService, kResolve, request.toJson()));
}

} // namespace orch::services::credentials
