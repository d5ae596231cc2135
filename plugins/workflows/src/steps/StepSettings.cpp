#include "steps/StepSettings.h"

namespace workflows {

StepSettings StepSettings::from(const orch::Plugin& plugin) {
  StepSettings s;
  auto flag = [&](const char* key, bool fallback) {
    auto text = plugin.config(key);
    if (!text) return fallback;
    return *text == "true" || *text == "1" || *text == "yes" || *text == "on";
  };
  auto number = [&](const char* key, std::int64_t fallback) -> std::int64_t {
    auto text = plugin.config(key);
    try {
      return text ? static_cast<std::int64_t>(std::stoll(*text)) : fallback;
    } catch (const std::exception&) {
      plugin.logWarning(std::string(key) + " = '" + *text + "' is not a number; using " + std::to_string(fallback));
      return fallback;
    }
  };
  s.smtpHost = plugin.config("smtp.host", s.smtpHost);
  s.smtpPort = static_cast<int>(number("smtp.port", s.smtpPort));
  s.smtpStartTls = flag("smtp.starttls", false);
  s.smtpUsername = plugin.config("smtp.username", "");
  s.smtpPassword = plugin.config("smtp.password", "");
  s.smtpFrom = plugin.config("smtp.from", s.smtpFrom);
  s.smtpCaFile = plugin.config("smtp.tls.ca_file", "");
  s.smtpTimeoutMs = number("smtp.timeout_ms", s.smtpTimeoutMs);
  s.allowPrivateNetworks = flag("steps.api_call.allow_private_networks", false);
  s.tlsCaFile = plugin.config("steps.tls.ca_file", "");
  s.webhookSecret = plugin.config("workflows.webhook_secret", "");
  return s;
}

} // namespace workflows
