#pragma once

#include "engine/Engine.h"
#include "steps/StepSettings.h"

#include <memory>

namespace workflows {

/// Posts an ended execution's summary to its `webhook_url`, signed the
/// Standard Webhooks way, retried with backoff. The delivery is a job in the
/// queue, committed with the ending itself, so a restart does not lose it.
class ExecutionWebhooks {
public:
  ExecutionWebhooks(Engine& engine, std::shared_ptr<const StepSettings> settings)
      : engine_(engine), settings_(std::move(settings)) {}

  /// Delivers one claimed `notify` job, then finishes or reschedules it.
  void deliver(const ExecutionStore::Job& job);

  /// The body posted: {"type": "workflow.<status>", "timestamp", "data": the execution summary}.
  static orch::json payload(const orch::json& executionRow);

private:
  Engine& engine_;
  std::shared_ptr<const StepSettings> settings_;
};

} // namespace workflows
