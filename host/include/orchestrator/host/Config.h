#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/MapConfiguration.h>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace orch::host {

/// A configuration value that is missing or malformed; the message names the key.
class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The host's configuration, in three layers, highest first: command-line
/// options, `ORCH_*` environment variables, the config file. Any key can come
/// from the environment as `ORCH_` + the key in upper case with each dot as
/// `__` (`storage.url` = `ORCH_STORAGE__URL`); `ORCH_PORT` and `ORCH_DATA_DIR`
/// are short forms of `server.port` and `server.data_dir`. Thread-safe for
/// reading once built.
class Config {
public:
  /// Builds the layers. `file` may be empty (no file); a missing or unreadable
  /// file is a ConfigError. `environment` is the process's `environ`-style list.
  Config(const std::string& file, const std::vector<std::string>& environment,
         const std::map<std::string, std::string>& commandLine);

  /// The raw value, if any layer has the key.
  std::optional<std::string> find(const std::string& key) const;
  std::string getString(const std::string& key, const std::string& fallback) const;
  /// Integer in [min, max]; ConfigError naming the key otherwise.
  long long getInt(const std::string& key, long long fallback, long long min, long long max) const;
  /// true/false/yes/no/on/off/1/0; ConfigError naming the key otherwise.
  bool getBool(const std::string& key, bool fallback) const;
  /// A comma-separated list, trimmed, empty items dropped.
  std::vector<std::string> getList(const std::string& key) const;
  /// The direct sub-keys of `prefix` in every layer ("ratelimit" -> "auth", ...).
  std::vector<std::string> subKeys(const std::string& prefix) const;
  /// The configured keys of `pattern`'s shape, where a segment "*" stands for
  /// any one name ("ai.providers.*.api_key"); a key without "*" is itself
  /// when configured.
  std::vector<std::string> keysMatching(const std::string& pattern) const;

  /// A value the host works out itself (server.unix_socket from
  /// server.data_dir), seen by plugins as if configured, below every layer.
  /// Only before plugins load: reading is thread-safe, this is not.
  void setDefault(const std::string& key, const std::string& value);

  /// The environment variable name that overrides `key`.
  static std::string environmentName(const std::string& key);

private:
  Poco::AutoPtr<Poco::Util::LayeredConfiguration> layers_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> defaults_;
};

} // namespace orch::host
