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

std::string teamMode(const json& team, const std::string& field) {
  auto mode = team.value("mode", std::string());
  if (mode.empty()) {
    if (team.value("respond_directly", false) == true) return "route";
    if (team.value("delegate_task_to_all_members", false) == true) return "broadcast";
    return "coordinate";
  }
  if (mode == "collaborate") return "broadcast";
  if (mode != "coordinate" && mode != "route" && mode != "broadcast" && mode != "tasks")
    throw HttpError::validation(at(field, "mode"), "Must be coordinate, route, broadcast (or collaborate) or tasks");
  return mode;
}

/// Teams inside teams, as deep as this: each level is a loop whose tools are the level below.
constexpr int kMaxTeamDepth = 3;

struct Member {
  std::string id, name;
  json config, definition;
};

json teamLeader(const json& team, const std::string& field, int depth);

/// A team's members: agents, or teams (whose leader then stands for them).
std::vector<Member> membersOf(const json& team, const std::string& field, int depth) {
  const auto& members = team["members"];
  if (!members.is_array() || members.empty())
    throw HttpError::validation(at(field, "members"), "A team needs its members, Agno agents or teams");
  std::vector<Member> out;
  std::set<std::string> ids = {"start", "leader"};
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto where = at(field, "members[" + std::to_string(i) + "]");
    bool team = members[i].is_object() && members[i].contains("members");
    if (team && depth + 1 >= kMaxTeamDepth)
      throw HttpError::validation(where, "Teams nest at most " + std::to_string(kMaxTeamDepth) + " deep here");
    Member member;
    member.config = team ? teamLeader(members[i], where, depth + 1) : agentConfig(members[i], where);
    member.name = members[i].value("name", "member_" + std::to_string(i + 1));
    member.id = slug(member.name);
    while (!ids.insert(member.id).second) member.id += "_";
    member.definition = members[i];
    out.push_back(std::move(member));
  }
  return out;
}

/// The leader's own settings: the run's message, its model, its turn limit.
json leaderBase(const json& team, const std::string& field) {
  json leader = {{"prompt", kMessage}};
  applyModel(team.value("model", json()), leader, at(field, "model"));
  if (team.contains("max_iterations")) {
    const auto& limit = team["max_iterations"];
    if (!limit.is_number_integer() || limit.get<std::int64_t>() < 1 || limit.get<std::int64_t>() > 100)
      throw HttpError::validation(at(field, "max_iterations"), "Must be a whole number from 1 to 100");
    leader["max_iterations"] = limit;
  }
  return leader;
}

/// A team that coordinates, routes or runs tasks: one loop, its members its tools.
json teamLeader(const json& team, const std::string& field, int depth) {
  auto mode = teamMode(team, field);
  if (mode == "broadcast" && depth > 0)
    throw HttpError::validation(at(field, "mode"), "A team inside a team coordinates, routes or runs tasks here; broadcast only at the top");
  auto leader = leaderBase(team, field);
  json tools = json::array();
  for (const auto& member : membersOf(team, field, depth)) {
    const auto& m = member.definition;
    auto role = m.value("role", m.value("description", json(member.name)));
    tools.push_back(delegateTo(member.id, "Hand work to " + member.name + ": " + text(role, at(field, "members")), member.config));
  }
  leader["tools"] = tools;
  const char* how =
      mode == "route"   ? "Hand the request to the one member best suited, and answer with its reply as it is."
      : mode == "tasks" ? "Work through the request as tasks: break it into clear tasks, hand each to the member best suited "
                          "(one after another when a task needs another's result), check each result, and answer with a "
                          "summary of the completed tasks."
                        : "Lead the team: delegate to the members as the request needs, then answer from their work.";
  auto instructions = persona(team, field);
  leader["instructions"] = instructions.empty() ? std::string(how) : instructions + "\n\n" + how;
  if (mode == "route" && !leader.contains("max_iterations")) leader["max_iterations"] = 2;
  return leader;
}

json compile(const json& definition) {
  if (!definition.is_object()) throw HttpError::validation("", "An Agno agent or team is an object, as to_dict() writes it");
  json nodes = json::array({startKeeping(definition)}), edges = json::array();
  auto edge = [&](const std::string& from, const std::string& to) {
    edges.push_back({{"id", "e" + std::to_string(edges.size() + 1)}, {"source", from}, {"target", to}});
  };
  if (!definition.contains("members")) {
    nodes.push_back({{"id", "agent"}, {"type", "tool_loop"}, {"name", definition.value("name", std::string("Agent"))},
                     {"data", agentConfig(definition, "")}});
    edge("start", "agent");
    return {{"nodes", nodes}, {"edges", edges}};
  }
  json leader;
  if (teamMode(definition, "") == "broadcast") {
    // Every member on the message at once, each a loop with its own tools; then the leader answers from all.
    leader = leaderBase(definition, "");
    std::string replies = "The team's members answered:";
    for (const auto& member : membersOf(definition, "", 0)) {
      nodes.push_back({{"id", member.id}, {"type", "tool_loop"}, {"name", member.name}, {"data", member.config}});
      edge("start", member.id);
      edge(member.id, "leader");
      replies += "\n\n" + member.name + ": {{steps." + member.id + ".output.response}}";
    }
    leader["prompt"] = std::string(kMessage) + "\n\n" + replies;
    leader["tools"] = json::array();
    auto instructions = persona(definition, "");
    leader["instructions"] = instructions.empty() ? "Answer from what the team's members found." : instructions;
  } else {
    leader = teamLeader(definition, "", 0);
    edge("start", "leader");
  }
  nodes.push_back({{"id", "leader"}, {"type", "tool_loop"}, {"name", definition.value("name", std::string("Team"))}, {"data", leader}});
  return {{"nodes", nodes}, {"edges", edges}};
}

} // namespace

orch::FrameworkAdapter agnoAdapter() {
  return {.validate = [](const json& definition) { compile(definition); },
          .compile = compile,
          .exportGraph = [](const json& graph) { return keptDefinition(graph, "Agno"); }};
}

} // namespace agents::frameworks
