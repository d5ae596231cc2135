#include "WebhookEvents.h"

#include <map>

namespace webhooks::webhook_events {
namespace {

const std::map<std::string, std::string>& byTopic() {
  static const std::map<std::string, std::string> map{
      {"execution_completed", "workflow.completed"},
      {"execution_failed", "workflow.failed"},
      {"execution_cancelled", "workflow.cancelled"},
      {"credential.expired", "credential.expired"},
      {"system_alert", "alert.triggered"},
      {"alert.triggered", "alert.triggered"},
      {"agent_completed", "agent.execution.completed"},
      {"agent.execution.completed", "agent.execution.completed"},
  };
  return map;
}

} // namespace

const std::vector<std::string>& names() {
  static const std::vector<std::string> list{"workflow.completed", "workflow.failed", "workflow.cancelled",
                                             "credential.expired", "alert.triggered", "agent.execution.completed"};
  return list;
}

std::optional<std::string> fromTopic(const std::string& topic) {
  auto found = byTopic().find(topic);
  if (found == byTopic().end()) return std::nullopt;
  return found->second;
}

const std::vector<std::string>& topics() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> result;
    for (const auto& [topic, event] : byTopic()) result.push_back(topic);
    return result;
  }();
  return list;
}

} // namespace webhooks::webhook_events
