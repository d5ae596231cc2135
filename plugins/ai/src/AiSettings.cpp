#include "AiSettings.h"

namespace ai {

using orch::SettingType;

const orch::SettingsMap<AiSettings> kAiSettings = {
    {"ai.catalog", &AiSettings::catalog, "", "The model catalog file; unset: <plugins>/ai/models.json"},
    {"ai.catalog_reload_ms", &AiSettings::catalogReloadMs, "1000",
     "How often the catalog file is checked for changes; 0: never", {.minimum = "0"}},
    {"ai.providers", SettingType::List, "openai,anthropic,google", "The providers' names"},
    {"ai.providers.*.type", SettingType::Text, "",
     "A provider's protocol; unset: its name for openai, anthropic and google, else openai (OpenAI-compatible)",
     {.choices = "openai,anthropic,google"}},
    {"ai.providers.*.base_url", SettingType::Text, "", "A provider's base URL; unset: the public one of its type"},
    {"ai.providers.*.api_key", SettingType::Text, "", "A provider's API key; without one its models are not called",
     {.flags = ORCH_SETTING_SECRET}},
    {"ai.providers.*.timeout_ms", SettingType::Integer, "", "A provider's own timeout; unset: ai.timeout_ms",
     {.minimum = "1"}},
    {"ai.timeout_ms", SettingType::Integer, "30000", "Provider timeout for connecting, sending and each read",
     {.minimum = "1"}},
    {"ai.tls.ca_file", SettingType::Text, "", "Extra trusted CA certificates (PEM) for the providers"},
    {"ai.max_attempts", &AiSettings::maxAttempts, "3", "Models tried per request", {.minimum = "1", .maximum = "20"}},
    {"ai.retries", &AiSettings::retries, "2", "Retries of one model after a 429", {.minimum = "0", .maximum = "10"}},
    {"ai.max_retry_wait_ms", &AiSettings::maxRetryWaitMs, "10000",
     "A longer Retry-After moves on to the next model instead", {.minimum = "0"}},
    {"ai.request_timeout_ms", &AiSettings::requestTimeoutMs, "120000", "The whole request, fallbacks included",
     {.minimum = "1"}},
    {"ai.default_max_tokens", &AiSettings::defaultMaxTokens, "1024", "Output tokens when the request names none",
     {.minimum = "1"}},
    {"ai.budgets.user_monthly_usd", &AiSettings::userMonthlyUsd, "0",
     "Each user's monthly budget in US dollars when an admin set none; 0: none", {.minimum = "0"}},
    {"ai.budgets.organization_monthly_usd", &AiSettings::organizationMonthlyUsd, "0",
     "Each organization's monthly budget in US dollars when an admin set none; 0: none", {.minimum = "0"}},
};

} // namespace ai
