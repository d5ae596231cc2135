#pragma once

#include "engine/Engine.h"
#include "steps/StepSettings.h"

#include <orchestrator/plugin.hpp>

#include <memory>

namespace workflows {

/// The plugin's part of the host's health (orchestrator/services/health.hpp):
/// `queue` (runs due and waiting for a worker, runs leased now) and, with
/// smtp.health_check, `smtp`: the email step's server greeting a fresh
/// connection.
void registerWorkflowsHealth(orch::Plugin& plugin, std::shared_ptr<const StepSettings> settings);

/// The plugin's Prometheus families (orchestrator/services/metrics.hpp): the
/// engine's figures and orch_queue_depth, the runs due and waiting.
void registerWorkflowsMetrics(orch::Plugin& plugin, const Engine& engine);

} // namespace workflows
