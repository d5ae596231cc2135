#include "orchestrator/host/DeclaredSettings.h"

#include <algorithm>

namespace orch::host {

std::optional<std::string> DeclaredSettings::declare(SettingDeclaration declaration) {
  if (declaration.key.empty() || declaration.key.front() == '.' || declaration.key.back() == '.')
    return "a setting needs a key of dot-separated names";
  if (auto problem = settings::declarationProblem(declaration.type, declaration.rules)) return *problem;
  if (auto problem = settings::valueProblem(declaration.type, declaration.defaultValue, declaration.rules))
    return "its default '" + declaration.defaultValue + "' does not fit: " + *problem;
  std::lock_guard lock(mutex_);
  // Plugins that share a library (the key ring of secrets.*) declare its
  // settings alike; two different meanings of one key are a conflict.
  for (const auto& existing : declarations_)
    if (existing.key == declaration.key && existing.owner != declaration.owner && !existing.sameAs(declaration))
      return "the setting " + declaration.key + " is already declared otherwise by plugin '" + existing.owner + "'";
  std::optional<std::string> refusal;
  for (const auto& key : config_.keysMatching(declaration.key)) {
    auto text = config_.find(key).value_or("");
    if (auto problem = settings::valueProblem(declaration.type, text, declaration.rules)) {
      auto message = "invalid value for " + key + " (" + Config::environmentName(key) + "): '" +
                     (declaration.secret() ? std::string("(secret)") : text) + "', " + *problem;
      if (std::find(problems_.begin(), problems_.end(), message) == problems_.end()) problems_.push_back(message);
      if (!refusal) refusal = message;
    }
  }
  declarations_.push_back(std::move(declaration));
  return refusal;
}

std::optional<std::string> DeclaredSettings::defaultOf(const std::string& key) const {
  std::lock_guard lock(mutex_);
  for (const auto& declaration : declarations_)
    if (declaration.key == key && !declaration.defaultValue.empty()) return declaration.defaultValue;
  return std::nullopt;
}

void DeclaredSettings::removeOwner(const std::string& owner) {
  std::lock_guard lock(mutex_);
  std::erase_if(declarations_, [&](const auto& declaration) { return declaration.owner == owner; });
}

nlohmann::json DeclaredSettings::valueOf(const SettingDeclaration& declaration, const std::string& key) const {
  auto text = config_.find(key);
  if (!text || text->empty())
    return declaration.defaultValue.empty() ? nlohmann::json() : nlohmann::json(declaration.defaultValue);
  return declaration.secret() ? nlohmann::json("(secret)") : nlohmann::json(*text);
}

nlohmann::json DeclaredSettings::describe(const std::string& owner) const {
  std::lock_guard lock(mutex_);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : declarations_) {
    if (d.owner != owner) continue;
    nlohmann::json entry = {{"key", d.key},
                            {"type", settings::typeName(d.type)},
                            {"default", d.defaultValue.empty() ? nlohmann::json() : nlohmann::json(d.defaultValue)},
                            {"description", d.description},
                            {"secret", d.secret()}};
    if (!d.rules.minimum.empty()) entry["minimum"] = d.rules.minimum;
    if (!d.rules.maximum.empty()) entry["maximum"] = d.rules.maximum;
    if (!d.rules.choices.empty()) entry["choices"] = listItems(d.rules.choices);
    if (d.isPattern()) {
      nlohmann::json values = nlohmann::json::object();
      for (const auto& key : config_.keysMatching(d.key)) values[key] = valueOf(d, key);
      entry["values"] = std::move(values);
    } else {
      auto text = config_.find(d.key);
      entry["value"] = valueOf(d, d.key);
      entry["set"] = text.has_value() && !text->empty();
    }
    list.push_back(std::move(entry));
  }
  return list;
}

std::vector<std::string> DeclaredSettings::problems() const {
  std::lock_guard lock(mutex_);
  return problems_;
}

} // namespace orch::host
