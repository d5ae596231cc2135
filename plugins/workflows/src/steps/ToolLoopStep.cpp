// tool_loop: a model that calls tools until it answers (a ReAct agent).
//
// The loop is not one long call: each turn is a run of this step that the
// engine commits before the next (its output carries "$continue", the
// conversation so far). A model turn that asks for tools hands the first to
// the engine ("$call"), which runs that step type as a turn of its own; the
// turn after reads its result as pass.previous. A restart therefore resumes
// at the last committed turn and never asks the model again for one it has
// answered.
#include "steps/BuiltinSteps.h"

#include <orchestrator/services/ai_router.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <set>

namespace workflows::steps {
namespace {

using orch::json;
namespace ai_router = orch::services::ai_router;

/// Settings of a step type that only the workflow's author decides, never
/// the model: which credential, whether private networks may be reached.
const std::set<std::string> kAuthorOnly = {"credential_id", "credential_name", "allow_private_network"};

/// One tool: a step type the model may call, under a name, with config the
/// author fixed (it wins over the model's arguments).
struct Tool {
  std::string name, type, description;
  json fixed = json::object();
  json parameters;
};

/// A step type's description, asked of the host once per type: every turn of
/// every loop needs its tools' schemas, and a step type does not change while
/// the host runs.
std::optional<json> describe(const orch::Plugin& plugin, const std::string& type) {
  static std::mutex mutex;
  static std::map<std::string, json> known;
  {
    std::lock_guard lock(mutex);
    if (auto found = known.find(type); found != known.end()) return found->second;
  }
  auto description = plugin.stepTypeDescription(type);
  if (!description) return std::nullopt; // not cached: a plugin enabled later may provide it
  std::lock_guard lock(mutex);
  return known.emplace(type, std::move(*description)).first->second;
}

std::vector<Tool> toolsOf(const orch::Plugin& plugin, const json& config) {
  std::vector<Tool> tools;
  const auto& list = config.value("tools", json::array());
  if (!list.is_array()) throw orch::HttpError::validation("tools", "Must be an array of step types or {type, name, config}");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    Tool tool;
    tool.type = item.is_string() ? item.get<std::string>() : item.is_object() ? item.value("type", std::string()) : "";
    auto field = "tools[" + std::to_string(i) + "]";
    if (tool.type.empty()) throw orch::HttpError::validation(field, "Must name a step type");
    auto description = describe(plugin, tool.type);
    if (!description) throw orch::HttpError::validation(field, "Unknown step type '" + tool.type + "'");
    tool.name = item.is_object() ? item.value("name", tool.type) : tool.type;
    tool.description = item.is_object() && item.contains("description") ? item["description"].get<std::string>()
                                                                        : description->value("description", tool.type);
    if (item.is_object() && item.contains("config") && item["config"].is_object()) tool.fixed = item["config"];
    // The model sees what it may decide: the type's schema less what the author fixed.
    tool.parameters = (*description).value("config_schema", json{{"type", "object"}});
    if (tool.parameters.contains("properties"))
      for (auto it = tool.parameters["properties"].begin(); it != tool.parameters["properties"].end();)
        it = tool.fixed.contains(it.key()) || kAuthorOnly.count(it.key()) ? tool.parameters["properties"].erase(it) : std::next(it);
    if (tool.parameters.contains("required") && tool.parameters["required"].is_array()) {
      json required = json::array();
      for (const auto& name : tool.parameters["required"])
        if (!tool.fixed.contains(name.get<std::string>())) required.push_back(name);
      tool.parameters["required"] = required;
    }
    for (const char* combinator : {"anyOf", "oneOf", "allOf", "not", "if", "then", "else"}) tool.parameters.erase(combinator);
    tools.push_back(std::move(tool));
  }
  return tools;
}

/// The next tool call the model asked for, as the engine runs it.
json callFor(const std::vector<Tool>& tools, const json& call) {
  const auto& name = call["function"]["name"].get_ref<const std::string&>();
  auto arguments = json::parse(call["function"]["arguments"].get<std::string>());
  for (const auto& tool : tools) {
    if (tool.name != name) continue;
    auto config = json::object();
    for (const auto& [key, value] : arguments.items())
      if (!kAuthorOnly.count(key)) config[key] = value;
    for (const auto& [key, value] : tool.fixed.items()) config[key] = value;
    return {{"id", call["id"]}, {"name", name}, {"type", tool.type}, {"config", std::move(config)}};
  }
  return nullptr;
}

} // namespace

orch::json toolLoop(const orch::Plugin& plugin, const orch::StepContext& step) {
  const auto& config = step.config;
  auto tools = toolsOf(plugin, config);
  auto maxTurns = config.value("max_iterations", 10);
  const auto& pass = step.input.value("pass", json());
  const auto& previous = pass.is_object() ? pass.value("previous", json()) : json();
  json state = previous.is_object() ? previous.value("$continue", json()) : json();
  if (!state.is_object()) {
    state = {{"messages", json::array({{{"role", "user"}, {"content", config.value("prompt", std::string())}}})},
             {"pending", json::array()}, {"model_turns", 0}, {"tool_calls", 0}, {"tokens_used", 0}, {"cost", 0.0}};
  }
  auto& messages = state["messages"];
  if (previous.is_object() && previous.contains("tool_call")) {
    // The engine ran the call: its result, or its error, goes back to the model.
    json content = previous.contains("error") ? json{{"error", previous["error"]}} : previous.value("output", json());
    messages.push_back({{"role", "tool"}, {"tool_call_id", previous["tool_call"]["id"]}, {"content", content.dump()}});
    state["tool_calls"] = state["tool_calls"].get<int>() + 1;
  }
  // Calls the model asked for in one turn run one after the other, a turn each.
  while (!state["pending"].empty()) {
    auto call = state["pending"][0];
    state["pending"].erase(0);
    if (auto run = callFor(tools, call); !run.is_null()) return {{"$continue", state}, {"$call", std::move(run)}};
    messages.push_back({{"role", "tool"}, {"tool_call_id", call["id"]},
                        {"content", json({{"error", "There is no tool named '" + call["function"]["name"].get<std::string>() + "'"}}).dump()}});
  }
  if (state["model_turns"].get<int>() >= maxTurns)
    throw std::runtime_error("The model did not answer within max_iterations (" + std::to_string(maxTurns) + " turns)");

  ai_router::Request request{{{"messages", messages}}, step.principal, step.executionId, step.stepId};
  if (config.contains("instructions")) request.body["system"] = config["instructions"];
  for (const char* key : {"model", "max_tokens", "temperature", "fallback_models", "priority", "routing_preferences"})
    if (config.contains(key)) request.body[key] = config[key];
  if (config.contains("provider")) request.body["providers"] = json::array({config["provider"]});
  if (!tools.empty()) {
    request.body["tools"] = json::array();
    for (const auto& tool : tools)
      request.body["tools"].push_back({{"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}});
  }
  auto answer = ai_router::complete(plugin, request);
  state["model_turns"] = state["model_turns"].get<int>() + 1;
  state["tokens_used"] = state["tokens_used"].get<std::int64_t>() + answer.totalTokens;
  state["cost"] = state["cost"].get<double>() + answer.cost;
  const auto& calls = answer.raw.value("tool_calls", json::array());
  json assistant = {{"role", "assistant"}, {"content", answer.response}};
  if (!calls.empty()) assistant["tool_calls"] = calls;
  messages.push_back(std::move(assistant));
  json turn = {{"model_used", answer.modelUsed}, {"provider", answer.provider}, {"call_id", answer.callId}};
  if (!calls.empty()) {
    state["pending"] = calls;
    auto first = state["pending"][0];
    state["pending"].erase(0);
    auto run = callFor(tools, first);
    if (run.is_null()) {
      // Not a tool of this loop: said to the model at its next turn.
      state["pending"].insert(state["pending"].begin(), first);
      turn["$continue"] = state;
    } else {
      turn["$continue"] = state;
      turn["$call"] = std::move(run);
    }
    return orch::withUsage(std::move(turn), answer.totalTokens, answer.cost);
  }
  turn["response"] = answer.response;
  turn["text"] = answer.response;
  turn["messages"] = messages;
  turn["model_turns"] = state["model_turns"];
  turn["tool_calls"] = state["tool_calls"];
  turn["total_tokens"] = state["tokens_used"];
  turn["total_cost"] = state["cost"];
  return orch::withUsage(std::move(turn), answer.totalTokens, answer.cost);
}

} // namespace workflows::steps
