#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <string>

namespace workflows {

/// What the built-in steps read from the host's config (README, "Workflow steps").
struct StepSettings {
  // email: smtp.*
  std::string smtpHost = "localhost";
  int smtpPort = 25;
  bool smtpStartTls = false;
  std::string smtpUsername, smtpPassword, smtpFrom = "orchestrator@localhost", smtpCaFile;
  std::int64_t smtpTimeoutMs = 30000;
  // api_call and webhook
  bool allowPrivateNetworks = false;   ///< steps.api_call.allow_private_networks
  std::string tlsCaFile;               ///< steps.tls.ca_file: extra trusted CAs for outbound HTTPS
  std::string webhookSecret;           ///< the signing secret of webhook steps and execution webhooks

  static StepSettings from(const orch::Plugin& plugin);
};

} // namespace workflows
