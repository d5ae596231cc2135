#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <string>

namespace workflows {

/// How the engine runs, from `workflows.engine.*` (README, "Workflow engine").
struct EngineSettings {
  int workers = 8;                      ///< threads running steps
  std::int64_t leaseMs = 30000;         ///< a held job is another host's after this long without renewal
  std::int64_t pollMs = 200;            ///< how often the queue is asked for due jobs
  std::int64_t stepTimeoutMs = 300000;  ///< a step attempt's limit unless its config says `timeout`
  std::int64_t releaseAfterMs = 2000;   ///< an idle execution waiting longer gives its job back to the queue
  int maxLocal = 2000;                  ///< executions one host holds in memory at once
  std::int64_t retryBaseMs = 1000;      ///< first retry's backoff; doubles each attempt
  std::int64_t retryMaxMs = 300000;     ///< backoff ceiling
  std::int64_t syncWaitMs = 60000;      ///< how long `execution_mode: sync` waits by default
  int webhookAttempts = 6;              ///< deliveries of an execution's summary before giving up
  std::size_t maxBatch = 512;           ///< pieces of work per group commit

  static EngineSettings from(const orch::Plugin& plugin);
};

} // namespace workflows
