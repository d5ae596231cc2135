// The service "agents" of the agents plugin: another plugin (workflows, for
// GET/POST agents/{agent_id}/workflows) asks whether an agent exists and the
// principal may see it. Both sides use these types.
#pragma once

#include "../plugin.hpp"

#include <optional>
#include <string>

namespace orch::services::agents {

inline constexpr const char* kService = "agents";
/// {principal, agent_id} -> {"agent": the agent's view, or null}.
inline constexpr const char* kFind = "find";

/// The agent `agentId` as the principal sees it, or nullopt when it does not
/// exist, is deleted, is another tenant's, or no agents plugin is loaded.
inline std::optional<json> findAgent(const Plugin& plugin, const json& principal, const std::string& agentId) {
  auto answer = plugin.callServiceIfServed(kService, kFind, {{"principal", principal}, {"agent_id", agentId}});
  if (!answer || !answer->is_object() || !answer->contains("agent") || (*answer)["agent"].is_null()) return std::nullopt;
  return (*answer)["agent"];
}

} // namespace orch::services::agents
