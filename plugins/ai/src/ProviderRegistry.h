#pragma once

#include "ProviderClient.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ai {

/// The configured providers by name (ai.providers = openai,anthropic,google,local;
/// ai.providers.<name>.type|base_url|api_key|timeout_ms), each with its client.
class ProviderRegistry {
public:
  using ConfigLookup = std::function<std::optional<std::string>(const std::string& key)>;

  /// Reads the providers from configuration; throws std::invalid_argument naming the bad key.
  static ProviderRegistry fromConfig(const ConfigLookup& config);

  bool known(const std::string& name) const { return providers_.count(name) > 0; }
  bool configured(const std::string& name) const;
  /// The client of a configured provider, or nullptr.
  ProviderClient* client(const std::string& name) const;
  const ProviderSettings* settings(const std::string& name) const;

private:
  struct Entry {
    ProviderSettings settings;
    std::unique_ptr<ProviderClient> client; ///< null when not configured
  };
  std::map<std::string, Entry> providers_;
};

} // namespace ai
