#include "ProviderRegistry.h"

#include <orchestrator/settings.hpp>

#include <stdexcept>

namespace ai {

ProviderRegistry ProviderRegistry::fromConfig(const ConfigLookup& config) {
  ProviderRegistry registry;
  auto defaultTimeout = config("ai.timeout_ms").value_or("30000");
  auto caFile = config("ai.tls.ca_file").value_or("");
  for (const auto& name : orch::listItems(config("ai.providers").value_or("openai,anthropic,google"))) {
    auto key = [&](const char* field) { return "ai.providers." + name + "." + field; };
    ProviderSettings settings;
    settings.name = name;
    // The three public providers need no type; anything else is OpenAI-compatible unless told.
    bool publicName = name == "openai" || name == "anthropic" || name == "google";
    settings.type = config(key("type")).value_or(publicName ? name : "openai");
    if (defaultBaseUrl(settings.type).empty())
      throw std::invalid_argument(key("type") + ": unknown provider type '" + settings.type + "' (openai, anthropic, google)");
    settings.baseUrl = config(key("base_url")).value_or(defaultBaseUrl(settings.type));
    settings.apiKey = config(key("api_key")).value_or("");
    settings.caFile = caFile;
    auto timeout = config(key("timeout_ms")).value_or(defaultTimeout);
    try {
      settings.timeout = std::chrono::milliseconds(std::stoll(timeout));
    } catch (const std::exception&) {
      throw std::invalid_argument(key("timeout_ms") + ": not a number of milliseconds: " + timeout);
    }
    if (settings.timeout.count() <= 0) throw std::invalid_argument(key("timeout_ms") + ": must be positive");
    std::unique_ptr<ProviderClient> client;
    if (settings.configured()) {
      try {
        client = makeProviderClient(settings);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(key("base_url") + ": " + e.what());
      }
    }
    registry.providers_[name] = {std::move(settings), std::move(client)};
  }
  return registry;
}

bool ProviderRegistry::configured(const std::string& name) const {
  auto it = providers_.find(name);
  return it != providers_.end() && it->second.client;
}

ProviderClient* ProviderRegistry::client(const std::string& name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second.client.get();
}

const ProviderSettings* ProviderRegistry::settings(const std::string& name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : &it->second.settings;
}

} // namespace ai
