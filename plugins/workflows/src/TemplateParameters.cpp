#include "TemplateParameters.h"

#include "engine/Placeholders.h"

#include <set>
#include <utility>

namespace workflows {
namespace {

bool identifier(const std::string& name) {
  if (name.empty() || name.size() > 64 || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool looksLikeEmail(const std::string& text) {
  auto at = text.find('@');
  return at != std::string::npos && at > 0 && text.find('.', at) != std::string::npos && text.back() != '.' &&
         text.find(' ') == std::string::npos;
}

/// Whether `value` fits `type`; the issue to report otherwise.
std::optional<std::string> typeProblem(const std::string& type, const orch::json& value) {
  if (type == "string" && !value.is_string()) return "Must be a string";
  if (type == "number" && !value.is_number()) return "Must be a number";
  if (type == "boolean" && !value.is_boolean()) return "Must be true or false";
  if (type == "email" && !(value.is_string() && looksLikeEmail(value.get<std::string>())))
    return "Must be an email address";
  return std::nullopt;
}

/// A parameter's field under either of its names ("type" or
/// "parameter_type", ...): the field's path for errors and its value (null
/// when absent). Both names with different values are a 422.
std::pair<std::string, orch::json> member(const orch::json& parameter, const std::string& at, const char* name,
                                          const char* alias) {
  auto value = parameter.value(name, orch::json()), aliased = parameter.value(alias, orch::json());
  if (!value.is_null() && !aliased.is_null() && value != aliased)
    throw orch::HttpError::validation(at + "." + alias, std::string("Differs from ") + name);
  if (value.is_null() && !aliased.is_null()) return {at + "." + alias, aliased};
  return {at + "." + name, value};
}

} // namespace

orch::json TemplateParameters::answer(const orch::json& stored) {
  orch::json list = orch::json::array();
  for (auto parameter : stored) {
    parameter["parameter_type"] = parameter.value("type", "string");
    parameter["is_required"] = parameter.value("required", false);
    parameter["default_value"] = parameter.value("default", orch::json());
    list.push_back(std::move(parameter));
  }
  return list;
}

TemplateParameters TemplateParameters::parse(const orch::json& parameters) {
  TemplateParameters result;
  if (parameters.is_null()) return result;
  if (!parameters.is_array()) throw orch::HttpError::validation("parameters", "Must be an array");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const auto& p = parameters[i];
    auto at = "parameters[" + std::to_string(i) + "]";
    if (!p.is_object()) throw orch::HttpError::validation(at, "Must be an object");
    auto name = p.value("name", orch::json()).is_string() ? p["name"].get<std::string>() : std::string();
    if (!identifier(name)) throw orch::HttpError::validation(at + ".name", "Letters, digits and _, not starting with a digit");
    if (!seen.insert(name).second) throw orch::HttpError::validation(at + ".name", "Duplicate parameter '" + name + "'");
    auto typeField = member(p, at, "type", "parameter_type");
    auto type = typeField.second.is_null()        ? std::string("string")
                : typeField.second.is_string() ? typeField.second.get<std::string>()
                                               : std::string();
    if (type != "string" && type != "number" && type != "email" && type != "boolean")
      throw orch::HttpError::validation(typeField.first, "Must be string, number, email or boolean");
    auto required = member(p, at, "required", "is_required");
    if (!required.second.is_null() && !required.second.is_boolean())
      throw orch::HttpError::validation(required.first, "Must be true or false");
    orch::json entry = {{"name", name}, {"type", type}, {"required", required.second.is_boolean() && required.second.get<bool>()},
                        {"description", p.value("description", std::string())}};
    auto fallback = member(p, at, "default", "default_value");
    if (!fallback.second.is_null()) {
      if (auto problem = typeProblem(type, fallback.second)) throw orch::HttpError::validation(fallback.first, *problem);
      entry["default"] = fallback.second;
    }
    result.list_.push_back(entry);
  }
  return result;
}

std::map<std::string, orch::json> TemplateParameters::resolve(const orch::json& values) const {
  if (!values.is_null() && !values.is_object())
    throw orch::HttpError::validation("parameter_values", "Must be an object");
  std::map<std::string, orch::json> resolved;
  for (const auto& p : list_) {
    auto name = p["name"].get<std::string>();
    auto field = "parameter_values." + name;
    if (values.is_object() && values.contains(name) && !values[name].is_null()) {
      if (auto problem = typeProblem(p["type"], values[name])) throw orch::HttpError::validation(field, *problem);
      resolved[name] = values[name];
    } else if (p.contains("default")) {
      resolved[name] = p["default"];
    } else if (p["required"].get<bool>()) {
      throw orch::HttpError::validation(field, "Parameter '" + name + "' is required");
    }
  }
  if (values.is_object())
    for (const auto& [name, value] : values.items())
      if (std::none_of(list_.begin(), list_.end(), [&](const orch::json& p) { return p["name"] == name; }))
        throw orch::HttpError::validation("parameter_values." + name, "Unknown parameter '" + name + "'");
  return resolved;
}

std::map<std::string, orch::json> TemplateParameters::samples() const {
  std::map<std::string, orch::json> values;
  for (const auto& p : list_) {
    auto type = p["type"].get<std::string>();
    values[p["name"]] = p.contains("default") ? p["default"]
                        : type == "number"    ? orch::json(1)
                        : type == "boolean"   ? orch::json(true)
                        : type == "email"     ? orch::json("someone@example.com")
                                              : orch::json("sample");
  }
  return values;
}

orch::json TemplateParameters::fill(const orch::json& value, const std::map<std::string, orch::json>& values) {
  return placeholders::fill(value, [&values](const std::string& name) -> std::optional<orch::json> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  });
}

} // namespace workflows
