#pragma once

#include "Subscribers.h"

#include <nlohmann/json.hpp>

#include <string>

namespace realtime {

/// Whether a bus topic is one that WebSocket clients hear (execution, agent, marketplace, metrics and alert events).
bool forwarded(const std::string& topic);

/// The message for one event in a connection's shape: always {"type",
/// "event", "data", "timestamp"}; execution events also carry the
/// top-level execution_id, workflow_id, status (the event), step_name and
/// progress {completed_steps, total_steps}.
nlohmann::json message(const std::string& topic, const nlohmann::json& event, MessageShape shape);

/// {"type", "data", "timestamp"} for the plugin's own messages.
nlohmann::json envelope(const std::string& type, nlohmann::json data);

} // namespace realtime
