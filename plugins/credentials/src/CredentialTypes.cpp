#include "CredentialTypes.h"

#include <map>

namespace credentials::credential_types {
namespace {

constexpr std::size_t kMaxValueBytes = 8192, kMaxFields = 32;

struct Shape {
  std::vector<std::string> required, optional;
  std::string valueField; ///< where the "value" shorthand goes
  bool open = false;      ///< any field names
};

const std::map<std::string, Shape>& shapes() {
  static const std::map<std::string, Shape> all{
      {"api_key", {{"key"}, {"header"}, "key"}},
      {"bearer", {{"token"}, {}, "token"}},
      {"basic", {{"username", "password"}, {}, ""}},
      {"smtp", {{"username", "password"}, {}, ""}},
      {"generic", {{}, {}, "value", true}},
  };
  return all;
}

} // namespace

const std::vector<std::string>& names() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> result;
    for (const auto& [name, shape] : shapes()) result.push_back(name);
    return result;
  }();
  return list;
}

orch::json normalize(const std::string& type, const orch::json& body) {
  auto found = shapes().find(type);
  if (found == shapes().end()) {
    std::string known;
    for (const auto& name : names()) known += (known.empty() ? "" : ", ") + name;
    throw orch::HttpError::validation("type", "Must be one of: " + known);
  }
  const auto& shape = found->second;
  orch::json data = body.contains("data") ? body["data"] : orch::json::object();
  if (!data.is_object()) throw orch::HttpError::validation("data", "Must be an object of secret fields");
  if (body.contains("value")) {
    if (shape.valueField.empty())
      throw orch::HttpError::validation("value", "A " + type + " credential takes its fields in \"data\"");
    if (data.contains(shape.valueField))
      throw orch::HttpError::validation("value", "Give either \"value\" or data." + shape.valueField + ", not both");
    data[shape.valueField] = body["value"];
  }
  if (data.empty()) throw orch::HttpError::validation("data", "A credential needs at least one secret field");
  if (data.size() > kMaxFields) throw orch::HttpError::validation("data", "At most 32 fields");
  for (const auto& [field, value] : data.items()) {
    bool known = shape.open || std::count(shape.required.begin(), shape.required.end(), field) ||
                 std::count(shape.optional.begin(), shape.optional.end(), field);
    if (!known) throw orch::HttpError::validation("data." + field, "Not a field of a " + type + " credential");
    if (!value.is_string() || value.get_ref<const std::string&>().empty())
      throw orch::HttpError::validation("data." + field, "Must be a non-empty string");
    if (value.get_ref<const std::string&>().size() > kMaxValueBytes)
      throw orch::HttpError::validation("data." + field, "At most 8 KiB");
  }
  for (const auto& field : shape.required)
    if (!data.contains(field)) throw orch::HttpError::validation("data." + field, "Required for a " + type + " credential");
  return data;
}

} // namespace credentials::credential_types
