// Reading the fields of a request body, each mistake a 422 naming the field.
#pragma once

#include "http.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace orch {

/// An optional string field; null or absent is nullopt, another type or a
/// longer text a 422 naming it.
inline std::optional<std::string> optionalString(const json& body, const std::string& field,
                                                 std::size_t maxLength = 1000) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw HttpError::validation(field, "Must be a string");
  const auto& value = it->get_ref<const std::string&>();
  if (value.size() > maxLength)
    throw HttpError::validation(field, "Must be at most " + std::to_string(maxLength) + " characters");
  return value;
}

/// A string field that must be there and not be empty.
inline std::string requiredString(const json& body, const std::string& field, std::size_t maxLength = 1000) {
  auto value = optionalString(body, field, maxLength);
  if (!value || value->empty()) throw HttpError::validation(field, "Field required");
  return *value;
}

/// A field holding an array of non-empty strings (scopes, permissions);
/// absent or null is empty.
inline std::vector<std::string> stringList(const json& body, const std::string& field, std::size_t maxLength = 100) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_array()) throw HttpError::validation(field, "Must be an array of strings");
  std::vector<std::string> items;
  for (const auto& item : *it) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty() ||
        item.get_ref<const std::string&>().size() > maxLength)
      throw HttpError::validation(field, "Must be an array of non-empty strings");
    items.push_back(item.get<std::string>());
  }
  return items;
}

/// An optional object field; absent or null is an empty object.
inline json optionalObject(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return json::object();
  if (!it->is_object()) throw HttpError::validation(field, "Must be an object");
  return *it;
}

} // namespace orch
