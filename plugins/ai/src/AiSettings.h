#pragma once

#include <orchestrator/settings.hpp>

#include <cstdint>
#include <string>

namespace ai {

/// The plugin's settings, declared in kAiSettings and read once at init. The
/// providers' settings (ai.providers, ai.providers.<name>.*) are declared
/// there too and read by ProviderRegistry::fromConfig.
struct AiSettings {
  std::string catalog; ///< empty: the catalog shipped beside the plugin
  std::int64_t catalogReloadMs = 0;
  std::int64_t maxAttempts = 0;
  std::int64_t retries = 0;
  std::int64_t maxRetryWaitMs = 0;
  std::int64_t requestTimeoutMs = 0;
  std::int64_t defaultMaxTokens = 0;
  double userMonthlyUsd = 0;
  double organizationMonthlyUsd = 0;
};

/// Every setting of the plugin: key, default, what it does and its range.
extern const orch::SettingsMap<AiSettings> kAiSettings;

} // namespace ai
