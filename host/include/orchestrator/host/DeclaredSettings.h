#pragma once

#include "orchestrator/host/Config.h"

#include <orchestrator/settings.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace orch::host {

/// One setting a plugin declared (register_setting).
struct SettingDeclaration {
  std::string owner; ///< the plugin
  std::string key;   ///< may hold "*" segments
  SettingType type = SettingType::Text;
  std::string defaultValue;
  std::string description;
  SettingRules rules;

  bool sameAs(const SettingDeclaration& other) const {
    return key == other.key && type == other.type && defaultValue == other.defaultValue &&
           description == other.description && rules.minimum == other.rules.minimum &&
           rules.maximum == other.rules.maximum && rules.choices == other.rules.choices && rules.flags == other.rules.flags;
  }
  bool isPattern() const { return key.find('*') != std::string::npos; }
  bool secret() const { return rules.flags & ORCH_SETTING_SECRET; }
};

/// Every setting the plugins declared, checked against the configuration as
/// it is declared. A value that does not fit is kept as a problem that stops
/// the host from starting (exit 78), the message naming the key and its
/// environment variable, as for the host's own settings.
class DeclaredSettings {
public:
  explicit DeclaredSettings(const Config& config) : config_(config) {}

  /// Adds a declaration and checks the configured value (every configured
  /// key of a pattern's shape). Returns why it is refused, or nullopt. Two
  /// plugins may declare one key when they declare it alike.
  std::optional<std::string> declare(SettingDeclaration declaration);
  /// The default of a declared key, for config_get when it is unset.
  std::optional<std::string> defaultOf(const std::string& key) const;
  /// Drops `owner`'s declarations (a refused plugin); its problems stay.
  void removeOwner(const std::string& owner);
  /// The declarations of `owner` with their values, for GET /plugins.
  nlohmann::json describe(const std::string& owner) const;
  /// Every value that did not fit, one message each.
  std::vector<std::string> problems() const;

private:
  nlohmann::json valueOf(const SettingDeclaration& declaration, const std::string& key) const;

  const Config& config_;
  mutable std::mutex mutex_;
  std::vector<SettingDeclaration> declarations_;
  std::vector<std::string> problems_;
};

} // namespace orch::host
