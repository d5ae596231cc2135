// The service "agents" of the agents plugin: another plugin (workflows, for
// GET/POST agents/{agent_id}/workflows) asks whether an agent exists and the
// principal may see it; the marketplace makes and upgrades installed copies.
// Both sides use these types.
#pragma once

#include "../plugin.hpp"
#include "refusal.hpp"

#include <optional>
#include <string>

namespace orch::services::agents {

inline constexpr const char* kService = "agents";
/// {principal, agent_id} -> {"agent": the agent's view, or null}.
inline constexpr const char* kFind = "find";
/// {principal, agent: a POST /agents body, version} -> {"agent": the view},
/// checked and compiled as POST /agents does; `version` (optional) is the
/// one the agent starts at.
inline constexpr const char* kCreate = "create";
/// {principal, agent_id, changes: a PUT /agents/{id} body, version} ->
/// {"agent": the view}; a changed definition takes `version` when given.
inline constexpr const char* kUpdate = "update";
/// {principal, agent_id} -> {}: deletes it as DELETE /agents/{id} does (an
/// install undone when its charge was refused).
inline constexpr const char* kRemove = "remove";

/// {} -> {"total", "by_status": {status: count}}: every tenant's agents
/// that are not deleted (the host's system status, metrics).
inline constexpr const char* kCounts = "counts";

/// The agent `agentId` as the principal sees it, or nullopt when it does not
/// exist, is deleted, is another tenant's, or no agents plugin is loaded.
inline std::optional<json> findAgent(const Plugin& plugin, const json& principal, const std::string& agentId) {
  auto answer = plugin.callServiceIfServed(kService, kFind, {{"principal", principal}, {"agent_id", agentId}});
  if (!answer || !answer->is_object() || !answer->contains("agent") || (*answer)["agent"].is_null()) return std::nullopt;
  return (*answer)["agent"];
}

/// Creates an agent for the principal; a refusal is rethrown as the route's HttpError.
inline json createAgent(const Plugin& plugin, const json& principal, const json& body, const std::string& version) {
  return unlessRefused(plugin.callService(kService, kCreate, {{"principal", principal}, {"agent", body}, {"version", version}}))
      .at("agent");
}

/// Changes an agent the principal sees; a refusal is rethrown as the route's HttpError.
inline json updateAgent(const Plugin& plugin, const json& principal, const std::string& agentId, const json& changes,
                        const std::string& version) {
  return unlessRefused(plugin.callService(kService, kUpdate, {{"principal", principal}, {"agent_id", agentId},
                                                              {"changes", changes}, {"version", version}}))
      .at("agent");
}

inline void removeAgent(const Plugin& plugin, const json& principal, const std::string& agentId) {
  unlessRefused(plugin.callService(kService, kRemove, {{"principal", principal}, {"agent_id", agentId}}));
}

} // namespace orch::services::agents
