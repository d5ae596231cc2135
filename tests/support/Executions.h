#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace orch::test {

/// True once an execution left queued, scheduled and running.
bool executionEnded(const nlohmann::json& execution);

/// Polls GET /api/v1/executions/{id} on 127.0.0.1:port until `wanted` holds for
/// it (by default: until it ended); the last answer. Not getting there in time
/// fails the test, with that answer.
nlohmann::json awaitExecution(int port, const std::string& id, const std::map<std::string, std::string>& headers,
                              const std::function<bool(const nlohmann::json&)>& wanted = executionEnded,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

} // namespace orch::test
