#include "steps/StepSettings.h"

#include <orchestrator/settings.hpp>

namespace workflows {

StepSettings StepSettings::from(const orch::Plugin& plugin) {
  StepSettings s;
  s.smtpHost = plugin.config("smtp.host", s.smtpHost);
  s.smtpPort = static_cast<int>(orch::configNumber(plugin, "smtp.port", s.smtpPort, 1, 65535));
  s.smtpStartTls = orch::configFlag(plugin, "smtp.starttls", false);
  s.smtpUsername = plugin.config("smtp.username", "");
  s.smtpPassword = plugin.config("smtp.password", "");
  s.smtpFrom = plugin.config("smtp.from", s.smtpFrom);
  s.smtpCaFile = plugin.config("smtp.tls.ca_file", "");
  s.smtpTimeoutMs = orch::configNumber(plugin, "smtp.timeout_ms", s.smtpTimeoutMs, 1);
  s.allowPrivateNetworks = orch::configFlag(plugin, "steps.api_call.allow_private_networks", false);
  s.tlsCaFile = plugin.config("steps.tls.ca_file", "");
  s.webhookSecret = plugin.config("workflows.webhook_secret", "");
  return s;
}

} // namespace workflows
