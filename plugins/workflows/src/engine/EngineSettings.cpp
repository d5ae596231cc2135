#include "engine/EngineSettings.h"

#include <orchestrator/settings.hpp>

namespace workflows {
namespace {

std::int64_t number(const orch::Plugin& plugin, const std::string& key, std::int64_t fallback, std::int64_t min) {
  return orch::configNumber(plugin, "workflows.engine." + key, fallback, min);
}

} // namespace

EngineSettings EngineSettings::from(const orch::Plugin& plugin) {
  EngineSettings s;
  s.workers = static_cast<int>(number(plugin, "workers", s.workers, 1));
  s.leaseMs = number(plugin, "lease_ms", s.leaseMs, 500);
  s.pollMs = number(plugin, "poll_ms", s.pollMs, 10);
  s.stepTimeoutMs = number(plugin, "step_timeout_ms", s.stepTimeoutMs, 10);
  s.releaseAfterMs = number(plugin, "release_after_ms", s.releaseAfterMs, 0);
  s.maxLocal = static_cast<int>(number(plugin, "max_local", s.maxLocal, 1));
  s.retryBaseMs = number(plugin, "retry_base_ms", s.retryBaseMs, 1);
  s.retryMaxMs = number(plugin, "retry_max_ms", s.retryMaxMs, 1);
  s.syncWaitMs = number(plugin, "sync_wait_ms", s.syncWaitMs, 1);
  s.webhookAttempts = static_cast<int>(number(plugin, "webhook_attempts", s.webhookAttempts, 1));
  s.maxBatch = static_cast<std::size_t>(number(plugin, "max_batch", static_cast<std::int64_t>(s.maxBatch), 1));
  return s;
}

} // namespace workflows
