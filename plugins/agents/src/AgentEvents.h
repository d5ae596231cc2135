#pragma once

#include <orchestrator/plugin.hpp>
#include <orchestrator/time.hpp>

namespace agents {

/// Publishes `topic` about an agent: {agent_id, agent_name, owner_id,
/// organization_id, timestamp} and `extra`. The owner fields let realtime send
/// it to the agent's tenant only (it strips them from what clients see).
inline void publishAgentEvent(const orch::Plugin& plugin, const std::string& topic, const orch::json& agent,
                              orch::json extra) {
  orch::json payload = {{"agent_id", agent.at("id")},
                        {"agent_name", agent.value("name", orch::json())},
                        {"owner_id", agent.value("owner_id", orch::json())},
                        {"organization_id", agent.value("organization_id", orch::json())},
                        {"timestamp", orch::nowRfc3339()}};
  payload.update(extra);
  plugin.publish(topic, payload);
}

} // namespace agents
