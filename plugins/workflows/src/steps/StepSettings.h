#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <string>

namespace workflows {

/// What the built-in steps read from the configuration, declared in kStepSettings.
struct StepSettings {
  // email: smtp.*
  std::string smtpHost;
  std::int64_t smtpPort = 0;
  bool smtpStartTls = false;
  std::string smtpUsername, smtpPassword, smtpFrom, smtpCaFile;
  std::int64_t smtpTimeoutMs = 0;
  bool smtpHealthCheck = false; ///< the server is a component of the host's health
  // api_call and webhook
  bool allowPrivateNetworks = false;
  std::string tlsCaFile;
  std::string webhookSecret; ///< configured, or made once and kept in storage (WorkflowsPlugin)

  /// Declares the settings and reads them; in init only.
  static StepSettings from(const orch::Plugin& plugin) { return plugin.settings(kStepSettings); }
  static const orch::SettingsMap<StepSettings> kStepSettings;
};

} // namespace workflows
