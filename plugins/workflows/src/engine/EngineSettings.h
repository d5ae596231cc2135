#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace workflows {

/// How the engine runs: `workflows.engine.*`, declared in kEngineSettings.
struct EngineSettings {
  std::int64_t workers = 0;        ///< threads running steps
  std::int64_t leaseMs = 0;        ///< a held job is another host's after this long without renewal
  std::int64_t pollMs = 0;         ///< how often the queue is asked for due jobs
  std::int64_t stepTimeoutMs = 0;  ///< a step attempt's limit unless its config says `timeout`
  std::int64_t releaseAfterMs = 0; ///< an idle execution waiting longer gives its job back to the queue
  std::int64_t maxLocal = 0;       ///< executions one host holds in memory at once
  std::int64_t retryBaseMs = 0;    ///< first retry's backoff; doubles each attempt
  std::int64_t retryMaxMs = 0;     ///< backoff ceiling
  std::int64_t syncWaitMs = 0;     ///< how long `execution_mode: sync` waits by default
  std::int64_t webhookAttempts = 0; ///< deliveries of an execution's summary before giving up
  std::int64_t maxBatch = 0;       ///< pieces of work per group commit
  std::int64_t workerLeaseMs = 0;  ///< a step a deployed agent's worker claimed goes back unless it asks again within this
  std::vector<std::string> workerServices; ///< the host's services a worker may call for its steps

  /// Declares the settings and reads them; in init only.
  static EngineSettings from(const orch::Plugin& plugin) { return plugin.settings(kEngineSettings); }
  static const orch::SettingsMap<EngineSettings> kEngineSettings;
};

} // namespace workflows
