#include "orchestrator/host/Config.h"

#include <orchestrator/settings.hpp>

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/Util/IniFileConfiguration.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <algorithm>
#include <set>

namespace orch::host {
namespace {

const std::map<std::string, std::string> kShortEnvironmentNames = {
    {"ORCH_PORT", "server.port"}, {"ORCH_DATA_DIR", "server.data_dir"}};

std::string keyFromEnvironmentName(std::string name) {
  name = Poco::toLower(name.substr(5)); // drop "ORCH_"
  std::string key;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 2, "__") == 0) {
      key += '.';
      ++i;
    } else {
      key += name[i];
    }
  }
  return key;
}

Poco::AutoPtr<Poco::Util::AbstractConfiguration> loadFile(const std::string& file) {
  if (!Poco::File(file).exists()) throw ConfigError("config file not found: " + file);
  try {
    auto extension = Poco::toLower(Poco::Path(file).getExtension());
    if (extension == "ini") return new Poco::Util::IniFileConfiguration(file);
    return new Poco::Util::PropertyFileConfiguration(file);
  } catch (const Poco::Exception& e) {
    throw ConfigError("cannot read config file " + file + ": " + e.displayText());
  }
}

} // namespace

Config::Config(const std::string& file, const std::vector<std::string>& environment,
               const std::map<std::string, std::string>& commandLine)
    : layers_(new Poco::Util::LayeredConfiguration), defaults_(new Poco::Util::MapConfiguration) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> arguments(new Poco::Util::MapConfiguration);
  for (const auto& [key, value] : commandLine) arguments->setString(key, value);

  Poco::AutoPtr<Poco::Util::MapConfiguration> variables(new Poco::Util::MapConfiguration);
  for (const auto& entry : environment) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("ORCH_", 0) != 0) continue;
    auto name = entry.substr(0, eq);
    auto shortName = kShortEnvironmentNames.find(name);
    variables->setString(shortName != kShortEnvironmentNames.end() ? shortName->second : keyFromEnvironmentName(name),
                         entry.substr(eq + 1));
  }

  layers_->add(arguments, 0);
  layers_->add(variables, 10);
  if (!file.empty()) layers_->add(loadFile(file), 20);
  layers_->add(defaults_, 100);
}

void Config::setDefault(const std::string& key, const std::string& value) { defaults_->setString(key, value); }

std::string Config::environmentName(const std::string& key) { return orch::settings::environmentName(key); }

std::optional<std::string> Config::find(const std::string& key) const {
  if (!layers_->has(key)) return std::nullopt;
  return Poco::trim(layers_->getRawString(key));
}

std::string Config::getString(const std::string& key, const std::string& fallback) const {
  return find(key).value_or(fallback);
}

long long Config::getInt(const std::string& key, long long fallback, long long min, long long max) const {
  auto raw = find(key);
  if (!raw) return fallback;
  long long value = 0;
  std::size_t used = 0;
  try {
    value = std::stoll(*raw, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != raw->size() || value < min || value > max) {
    throw ConfigError("invalid value for " + key + " (" + environmentName(key) + "): '" + *raw +
                      "', expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

bool Config::getBool(const std::string& key, bool fallback) const {
  auto raw = find(key);
  if (!raw) return fallback;
  auto value = Poco::toLower(*raw);
  if (value == "true" || value == "yes" || value == "on" || value == "1") return true;
  if (value == "false" || value == "no" || value == "off" || value == "0") return false;
  throw ConfigError("invalid value for " + key + " (" + environmentName(key) + "): '" + *raw +
                    "', expected true or false");
}

std::vector<std::string> Config::getList(const std::string& key) const {
  auto raw = find(key);
  return raw ? orch::listItems(*raw) : std::vector<std::string>();
}

std::vector<std::string> Config::subKeys(const std::string& prefix) const {
  Poco::Util::AbstractConfiguration::Keys keys;
  layers_->keys(prefix, keys);
  std::set<std::string> unique(keys.begin(), keys.end());
  return {unique.begin(), unique.end()};
}

std::vector<std::string> Config::keysMatching(const std::string& pattern) const {
  auto star = pattern.find("*");
  if (star == std::string::npos) return find(pattern) ? std::vector<std::string>{pattern} : std::vector<std::string>{};
  // "a.b.*.c": each sub-key name of "a.b" in the star's place, then the rest matched again.
  auto prefix = star == 0 ? std::string() : pattern.substr(0, star - 1);
  auto rest = pattern.substr(star + 1);
  std::vector<std::string> keys;
  for (const auto& name : subKeys(prefix))
    for (auto& key : keysMatching((prefix.empty() ? "" : prefix + ".") + name + rest)) keys.push_back(std::move(key));
  return keys;
}

} // namespace orch::host
