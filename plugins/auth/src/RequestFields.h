#pragma once

#include <orchestrator/plugin.hpp>

#include <optional>
#include <string>

namespace auth {

/// The request body as a JSON object; anything else is a 422 naming the body.
inline orch::json objectBody(const orch::Request& request) {
  auto body = request.json();
  if (!body.is_object()) throw orch::HttpError::validation("body", "Expected a JSON object");
  return body;
}

/// An optional string field; a value of another type is a 422 naming it.
inline std::optional<std::string> optionalString(const orch::json& body, const std::string& field,
                                                 std::size_t maxLength = 1000) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw orch::HttpError::validation(field, "Must be a string");
  auto value = it->get<std::string>();
  if (value.size() > maxLength)
    throw orch::HttpError::validation(field, "Must be at most " + std::to_string(maxLength) + " characters");
  return value;
}

inline std::string requiredString(const orch::json& body, const std::string& field, std::size_t maxLength = 1000) {
  auto value = optionalString(body, field, maxLength);
  if (!value || value->empty()) throw orch::HttpError::validation(field, "Field required");
  return *value;
}

/// A string array field (scopes, permissions).
inline std::vector<std::string> stringList(const orch::json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_array()) throw orch::HttpError::validation(field, "Must be an array of strings");
  std::vector<std::string> items;
  for (const auto& item : *it) {
    if (!item.is_string() || item.get<std::string>().empty() || item.get<std::string>().size() > 100)
      throw orch::HttpError::validation(field, "Must be an array of non-empty strings");
    items.push_back(item.get<std::string>());
  }
  return items;
}

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
