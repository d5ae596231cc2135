#pragma once

#include <optional>
#include <string>
#include <vector>

namespace webhooks {

/// The events a subscription can name, and which event-bus topic each comes
/// from: workflow.completed / .failed / .cancelled (an execution ended),
/// credential.expired, alert.triggered (a component turned unhealthy, or any
/// plugin's own "alert.triggered"), agent.execution.completed.
namespace webhook_events {

const std::vector<std::string>& names();
/// The webhook event a bus topic is delivered as, if any.
std::optional<std::string> fromTopic(const std::string& topic);
/// The bus topics to subscribe to.
const std::vector<std::string>& topics();

} // namespace webhook_events
} // namespace webhooks
