#pragma once

#include "engine/Plan.h"

#include <orchestrator/plugin.hpp>

namespace workflows {

/// An execution as clients read it: every field any client reads
/// show (status, progress, results, steps, logs, input_data, output_data,
/// execution_data, duration, resource_usage, correlation_id, the version it
/// ran), built from its row, its step rows and its plan. `plan` may be null
/// when the workflow version is gone; the steps then come from the rows alone.
orch::json executionView(const orch::json& row, const orch::json& stepRows, const Plan* plan);

/// The short form of lists and of the answer to execute: no per-step detail.
orch::json executionSummary(const orch::json& row);

} // namespace workflows
