#include "Messages.h"

#include <orchestrator/plugin.hpp>

#include <set>

namespace realtime {
namespace {

bool executionEvent(const std::string& topic) { return topic.rfind("execution_", 0) == 0 || topic == "step_completed"; }

std::string typeFor(const std::string& topic, MessageShape shape) {
  // A run of several agents (POST /execute) is seed 003's "execution"; the
  // agents plugin names its topics apart from the engine's executions.
  if (topic == "agent_run_started") return "execution_started";
  if (topic == "agent_run_completed") return "execution_completed";
  if (!executionEvent(topic)) return topic;
  switch (shape) {
  case MessageShape::Executions:
  case MessageShape::Api: return "execution_update";
  case MessageShape::Client: return "workflow_execution_update";
  case MessageShape::User: return topic;
  }
  return topic;
}

} // namespace

bool forwarded(const std::string& topic) {
  static const std::set<std::string> topics{"execution_update", "workflow_execution_update", "execution_started",
                                            "step_completed", "execution_completed", "execution_failed",
                                            "execution_cancelled", "agent_completed", "agent_created",
                                            "agent_status_update", "agent_run_started", "agent_run_completed",
                                            "marketplace_update", "system_alert", "error_notification"};
  return topics.count(topic) > 0;
}

nlohmann::json envelope(const std::string& type, nlohmann::json data) {
  return {{"type", type}, {"data", std::move(data)}, {"timestamp", orch::nowRfc3339()}};
}

nlohmann::json message(const std::string& topic, const nlohmann::json& event, MessageShape shape) {
  auto data = event.is_object() ? event : nlohmann::json::object();
  data.erase("owner_id");
  data.erase("organization_id");
  auto timestamp = data.value("timestamp", orch::nowRfc3339());
  nlohmann::json out = {{"type", typeFor(topic, shape)}, {"event", topic}, {"timestamp", timestamp}};
  if (executionEvent(topic)) {
    auto progress = data.value("progress", nlohmann::json::object());
    auto completed = progress.value("completed_steps", 0);
    auto total = progress.value("total_steps", 0);
    // Seeds 001 and 004 show progress as a percentage and name the step.
    auto step = data.value("step_name", data.value("step_id", nlohmann::json()));
    out["execution_id"] = data.value("execution_id", nlohmann::json());
    out["workflow_id"] = data.value("workflow_id", nlohmann::json());
    out["status"] = topic;
    if (!step.is_null()) out["step_name"] = step;
    out["progress"] = {{"completed_steps", completed}, {"total_steps", total}};
    data["current_step"] = step;
    data["progress_percent"] = total > 0 ? completed * 100 / total : 0;
    if (shape == MessageShape::Client || shape == MessageShape::Api) data["progress"] = data["progress_percent"];
  }
  out["data"] = std::move(data);
  return out;
}

} // namespace realtime
