#include "engine/EngineSettings.h"

namespace workflows {

const orch::SettingsMap<EngineSettings> EngineSettings::kEngineSettings = {
    {"workflows.engine.workers", &EngineSettings::workers, "8", "Threads that run steps", {.minimum = "1"}},
    {"workflows.engine.lease_ms", &EngineSettings::leaseMs, "30000",
     "A held execution is another host's after this long without renewal", {.minimum = "500"}},
    {"workflows.engine.poll_ms", &EngineSettings::pollMs, "200", "How often the queue is asked for due jobs",
     {.minimum = "10"}},
    {"workflows.engine.step_timeout_ms", &EngineSettings::stepTimeoutMs, "300000",
     "A step attempt's limit unless its config says `timeout` (seconds)", {.minimum = "10"}},
    {"workflows.engine.release_after_ms", &EngineSettings::releaseAfterMs, "2000",
     "An execution idle for longer (a delay, a schedule) gives its job back to the queue", {.minimum = "0"}},
    {"workflows.engine.max_local", &EngineSettings::maxLocal, "2000", "Executions one host holds in memory at once",
     {.minimum = "1"}},
    {"workflows.engine.retry_base_ms", &EngineSettings::retryBaseMs, "1000",
     "The first retry's backoff unless a step's `retry_delay` says otherwise; doubles each attempt",
     {.minimum = "1"}},
    {"workflows.engine.retry_max_ms", &EngineSettings::retryMaxMs, "300000", "The longest backoff", {.minimum = "1"}},
    {"workflows.engine.sync_wait_ms", &EngineSettings::syncWaitMs, "60000",
     "How long `execution_mode: sync` waits for the end", {.minimum = "1"}},
    {"workflows.engine.webhook_attempts", &EngineSettings::webhookAttempts, "6",
     "Deliveries of an execution's summary to its webhook_url before giving up", {.minimum = "1"}},
    {"workflows.engine.max_batch", &EngineSettings::maxBatch, "512", "Pieces of work per group commit",
     {.minimum = "1"}},
    {"workflows.workers.lease_ms", &EngineSettings::workerLeaseMs, "15000",
     "A step that a deployed agent's worker claimed is offered again unless the worker asks for work within this",
     {.minimum = "1000"}},
    {"workflows.workers.services", &EngineSettings::workerServices, "ai.router,credentials,agents:find",
     "The host's services a deployed agent's worker may call for the step it runs (as that step's principal): a "
     "service's name for all its methods, or service:method for one"},
};

} // namespace workflows
