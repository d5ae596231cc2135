#include "frameworks/AgnoAdapter.h"
#include "frameworks/Personas.h"

#include <orchestrator/http.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace agents::frameworks {
namespace {

using orch::HttpError;
using orch::json;

const char* const kMessage = "{{input.message}}"; ///< what Agno's agent.run(message) answers

std::string slug(const std::string& name) {
  std::string out;
  for (unsigned char c : name) out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  return out.empty() ? "member" : out;
}

/// `field.key`, or `key` at the top of the definition.
std::string at(const std::string& field, const std::string& key) { return field.empty() ? key : field + "." + key; }

std::string text(const json& value, const std::string& field) {
  if (value.is_null()) return {};
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string()) throw HttpError::validation(field + "[" + std::to_string(i) + "]", "Must be text");
      out += (out.empty() ? "" : "\n") + value[i].get<std::string>();
    }
    return out;
  }
  throw HttpError::validation(field, "Must be text or a list of lines");
}

/// An agent's persona: its description, instructions and expected output.
std::string persona(const json& agent, const std::string& field) {
  std::string out = text(agent.value("description", json()), at(field, "description"));
  auto instructions = text(agent.value("instructions", json()), at(field, "instructions"));
  if (!instructions.empty()) out += (out.empty() ? "" : "\n\n") + instructions;
  auto expected = text(agent.value("expected_output", json()), at(field, "expected_output"));
  if (!expected.empty()) out += (out.empty() ? "" : "\n\n") + std::string("Expected output: ") + expected;
  return out;
}

json agentConfig(const json& agent, const std::string& field) {
  if (!agent.is_object()) throw HttpError::validation(field, "An Agno agent is an object {name, model, instructions, tools}");
  json config = {{"prompt", kMessage}, {"tools", json::array()}};
  auto instructions = persona(agent, field);
  if (!instructions.empty()) config["instructions"] = instructions;
  applyModel(agent.value("model", json()), config, at(field, "model"));
  const auto& tools = agent.value("tools", json::array());
  if (!tools.is_array()) throw HttpError::validation(at(field, "tools"), "Must be an array of step types");
  for (std::size_t i = 0; i < tools.size(); ++i) {
    auto name = tools[i].is_string() ? tools[i].get<std::string>() : tools[i].is_object() ? tools[i].value("name", std::string()) : "";
    if (name.empty() || isPythonTool(name))
      throw HttpError::validation(at(field, "tools") + "[" + std::to_string(i) + "]",
                                  "'" + (name.empty() ? tools[i].dump() : name) +
                                      "' is an Agno (Python) toolkit, which cannot run here; name a step type (api_call, email, ...)");
    config["tools"].push_back(name);
  }
  if (agent.contains("tool_call_limit") && !agent["tool_call_limit"].is_null()) {
    const auto& limit = agent["tool_call_limit"];
    if (!limit.is_number_integer() || limit.get<std::int64_t>() < 0)
      throw HttpError::validation(at(field, "tool_call_limit"), "Must be a whole number of tool calls");
    config["max_iterations"] = std::clamp<std::int64_t>(limit.get<std::int64_t>() + 1, 1, 100); // the calls, then the answer
  }
  return config;
}

std::string teamMode(const json& team) {
  auto mode = team.value("mode", std::string());
  if (mode.empty()) {
    if (team.value("respond_directly", false) == true) return "route";
    if (team.value("delegate_task_to_all_members", false) == true) return "broadcast";
    return "coordinate";
  }
  if (mode == "collaborate") return "broadcast";
  if (mode != "coordinate" && mode != "route" && mode != "broadcast")
    throw HttpError::validation("mode", "Must be coordinate, route, broadcast or collaborate");
  return mode;
}

json compile(const json& definition) {
  if (!definition.is_object()) throw HttpError::validation("", "An Agno agent or team is an object, as to_dict() writes it");
  json nodes = json::array({startKeeping(definition)}), edges = json::array();
  if (!definition.contains("members")) {
    auto config = agentConfig(definition, "");
    nodes.push_back({{"id", "agent"}, {"type", "tool_loop"}, {"name", definition.value("name", std::string("Agent"))}, {"data", config}});
    edges.push_back({{"id", "e1"}, {"source", "start"}, {"target", "agent"}});
    return {{"nodes", nodes}, {"edges", edges}};
  }
  const auto& members = definition["members"];
  if (!members.is_array() || members.empty()) throw HttpError::validation("members", "A team needs its members, Agno agents");
  auto mode = teamMode(definition);
  std::vector<std::string> ids;
  std::vector<json> configs;
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto field = "members[" + std::to_string(i) + "]";
    configs.push_back(agentConfig(members[i], field));
    auto id = slug(members[i].value("name", "member_" + std::to_string(i + 1)));
    while (std::find(ids.begin(), ids.end(), id) != ids.end() || id == "start" || id == "leader") id += "_";
    ids.push_back(id);
  }
  json leader = {{"prompt", kMessage}};
  applyModel(definition.value("model", json()), leader, "model");
  auto instructions = persona(definition, "");
  if (definition.contains("max_iterations")) {
    const auto& limit = definition["max_iterations"];
    if (!limit.is_number_integer() || limit.get<std::int64_t>() < 1 || limit.get<std::int64_t>() > 100)
      throw HttpError::validation("max_iterations", "Must be a whole number from 1 to 100");
    leader["max_iterations"] = limit;
  }
  if (mode == "broadcast") {
    // Every member on the message at once, each a loop with its own tools; then the leader answers from all.
    std::string replies = "The team's members answered:";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      nodes.push_back({{"id", ids[i]}, {"type", "tool_loop"}, {"name", members[i].value("name", ids[i])}, {"data", configs[i]}});
      edges.push_back({{"id", "e" + std::to_string(edges.size() + 1)}, {"source", "start"}, {"target", ids[i]}});
      edges.push_back({{"id", "e" + std::to_string(edges.size() + 1)}, {"source", ids[i]}, {"target", "leader"}});
      replies += "\n\n" + members[i].value("name", ids[i]) + ": {{steps." + ids[i] + ".output.response}}";
    }
    leader["prompt"] = std::string(kMessage) + "\n\n" + replies;
    leader["tools"] = json::array();
    leader["instructions"] = instructions.empty() ? "Answer from what the team's members found." : instructions;
  } else {
    json tools = json::array();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto role = members[i].value("role", members[i].value("description", members[i].value("name", ids[i])));
      tools.push_back(delegateTo(ids[i], "Hand work to " + members[i].value("name", ids[i]) + ": " + text(role, "members"),
                                 configs[i]));
    }
    leader["tools"] = tools;
    auto how = mode == "route" ? "Hand the request to the one member best suited, and answer with its reply as it is."
                               : "Lead the team: delegate to the members as the request needs, then answer from their work.";
    leader["instructions"] = instructions.empty() ? how : instructions + "\n\n" + how;
    if (mode == "route" && !leader.contains("max_iterations")) leader["max_iterations"] = 2;
  }
  nodes.push_back({{"id", "leader"}, {"type", "tool_loop"}, {"name", definition.value("name", std::string("Team"))}, {"data", leader}});
  if (mode != "broadcast") edges.push_back({{"id", "e1"}, {"source", "start"}, {"target", "leader"}});
  return {{"nodes", nodes}, {"edges", edges}};
}

} // namespace

orch::FrameworkAdapter agnoAdapter() {
  return {.validate = [](const json& definition) { compile(definition); },
          .compile = compile,
          .exportGraph = [](const json& graph) { return keptDefinition(graph, "Agno"); }};
}

} // namespace agents::frameworks
