#pragma once

#include <orchestrator/plugin.hpp>

namespace workflows {

/// The feed of finished executions and the tenant overview that the
/// analytics plugin reads through the service "workflows"
/// (orchestrator/services/feeds.hpp): kFinished, kFinishedDetails, kOverview.
/// Null for any other method.
orch::json serveExecutionFeed(const orch::Database& db, const std::string& method, const orch::json& message);

} // namespace workflows
