#include "AgentStep.h"

#include <orchestrator/steps.hpp>

namespace agents {
namespace {

const char* const kSchema = R"json({
  "type": "object",
  "title": "Run an agent",
  "required": ["agent_id"],
  "properties": {
    "agent_id": {"type": "string", "minLength": 1, "x-error-message": "agent_id must name an agent"},
    "message": {"type": "string", "description": "What to ask the agent: its run's input `message`",
                "x-error-message": "message must be a string"},
    "input": {"type": "object", "description": "More of its run's input", "x-error-message": "input must be an object"},
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400,
                        "x-error-message": "timeout_seconds must be a number of seconds up to a day"}
  },
  "additionalProperties": true
})json";

} // namespace

void registerAgentStep(orch::Plugin& plugin, const AgentStore& store) {
  plugin.stepType("agent", "Asks another agent: runs it on a message and answers with its output", orch::json::parse(kSchema),
                  [&store](const orch::StepContext& step) {
                    // As a tool its config is a model's arguments, which no schema checked.
                    const auto& config = step.config;
                    auto id = config.value("agent_id", orch::json());
                    if (!id.is_string() || id.get<std::string>().empty()) throw std::runtime_error("agent_id must name an agent");
                    auto agent = store.find(id.get<std::string>(), orch::Tenant::ofPrincipal(step.principal));
                    if (!agent) throw std::runtime_error("Agent not found: " + id.get<std::string>());
                    if (!(*agent)["workflow_id"].is_string())
                      throw std::runtime_error("Agent " + id.get<std::string>() + " has no definition to run");
                    auto input = config.value("input", orch::json::object());
                    if (!input.is_object()) throw std::runtime_error("input must be an object");
                    if (config.contains("message")) input["message"] = config["message"];
                    auto seconds = config.value("timeout_seconds", orch::json(600.0));
                    if (!seconds.is_number() || seconds.get<double>() <= 0 || seconds.get<double>() > 86400)
                      throw std::runtime_error("timeout_seconds must be a number of seconds up to a day");
                    return orch::runWorkflow((*agent)["workflow_id"].get<std::string>(), std::move(input),
                                             static_cast<std::int64_t>(seconds.get<double>() * 1000), {{"agent_id", id}});
                  },
                  {.hostOnly = true}); // it only starts the other agent's run, which runs where that agent is deployed
}

} // namespace agents
