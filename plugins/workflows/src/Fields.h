#pragma once

#include <orchestrator/plugin.hpp>

#include <optional>
#include <string>

namespace workflows {

/// An optional string field of a request body; another type is a 422 naming it.
inline std::optional<std::string> stringField(const orch::json& body, const std::string& field, std::size_t maxLength) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw orch::HttpError::validation(field, "Must be a string");
  if (it->get<std::string>().size() > maxLength)
    throw orch::HttpError::validation(field, "Must be at most " + std::to_string(maxLength) + " characters");
  return it->get<std::string>();
}

/// The body as a JSON object, or a 422.
inline orch::json objectBody(const orch::Request& request) {
  auto body = request.json();
  if (!body.is_object()) throw orch::HttpError::validation("body", "Expected a JSON object");
  return body;
}

} // namespace workflows
