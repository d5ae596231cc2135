#include "LangGraphAdapter.h"

#include <orchestrator/frameworks.hpp>
#include <orchestrator/http.hpp>

#include <functional>
#include <map>
#include <set>

namespace agents::frameworks {
namespace {

using orch::json;
using orch::HttpError;

constexpr const char* kStart = "__start__";
constexpr const char* kEnd = "__end__";
constexpr std::int64_t kDefaultRecursionLimit = 25; ///< LangGraph's own default

/// A node's step: bindings.<id>, else data.step; nullptr when unbound.
const json* bindingOf(const json& definition, const json& node) {
  const auto& id = node["id"].get_ref<const std::string&>();
  if (definition.contains("bindings") && definition["bindings"].is_object() && definition["bindings"].contains(id))
    return &definition["bindings"][id];
  if (node.contains("data") && node["data"].is_object() && node["data"].contains("step")) return &node["data"]["step"];
  return nullptr;
}

/// langgraph.json, LangGraph's project file, names each graph by the code
/// that builds it ("./agent.py:graph"), which never runs here. Alone it is a
/// 422 saying what to send instead; as `project` beside a serialized graph it
/// is checked and kept (export gives it back), `graph` naming which of its
/// graphs this one is.
void checkProject(const json& definition) {
  auto codeOf = [](const json& spec) {
    return spec.is_string() ? spec.get<std::string>() : spec.is_object() ? spec.value("path", std::string()) : std::string();
  };
  if (definition.contains("graphs") && !definition.contains("nodes")) {
    const auto& graphs = definition["graphs"];
    if (!graphs.is_object() || graphs.empty())
      throw HttpError::validation("graphs", "A langgraph.json names its graphs: {\"agent\": \"./agent.py:graph\"}");
    throw HttpError::validation("graphs." + graphs.begin().key(),
                                "Graph '" + graphs.begin().key() + "' is code (" + codeOf(graphs.begin().value()) +
                                    "), which never runs here: send the graph it builds as app.get_graph().to_json() writes "
                                    "it (nodes, edges) with bindings for its nodes, and this file as `project`");
  }
  if (!definition.contains("project")) return;
  const auto& project = definition["project"];
  if (!project.is_object() || !project.contains("graphs") || !project["graphs"].is_object() || project["graphs"].empty())
    throw HttpError::validation("project.graphs", "Must be langgraph.json's graphs: {\"agent\": \"./agent.py:graph\"}");
  std::string names;
  for (const auto& [name, spec] : project["graphs"].items()) {
    if (codeOf(spec).empty())
      throw HttpError::validation("project.graphs." + name, "Must be the code's path (\"./agent.py:graph\") or {path, description}");
    names += (names.empty() ? "" : ", ") + name;
  }
  const auto& which = definition.contains("graph") ? definition["graph"] : json();
  if (which.is_null() && project["graphs"].size() == 1) return;
  if (!which.is_string() || !project["graphs"].contains(which.get<std::string>()))
    throw HttpError::validation("graph", "Must name the project's graph this is: one of " + names);
}

void validate(const json& definition) {
  if (!definition.is_object()) throw HttpError::validation("", "A LangGraph definition is an object {nodes, edges}");
  checkProject(definition);
  if (!definition.contains("nodes") || !definition["nodes"].is_array() || definition["nodes"].empty())
    throw HttpError::validation("nodes", "Must be a non-empty array, as get_graph().to_json() writes it");
  if (!definition.contains("edges") || !definition["edges"].is_array())
    throw HttpError::validation("edges", "Must be an array of {source, target}");
  if (definition.contains("bindings") && !definition["bindings"].is_object())
    throw HttpError::validation("bindings", "Must be an object of node id -> {type, config}");
  if (definition.contains("recursion_limit")) {
    const auto& limit = definition["recursion_limit"];
    if (!limit.is_number_integer() || limit.get<std::int64_t>() < 1 || limit.get<std::int64_t>() > 10000)
      throw HttpError::validation("recursion_limit", "Must be a whole number from 1 to 10000");
  }
  std::set<std::string> ids;
  const auto& nodes = definition["nodes"];
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto field = "nodes[" + std::to_string(i) + "]";
    if (!nodes[i].is_object() || !nodes[i].contains("id") || !nodes[i]["id"].is_string() || nodes[i]["id"].get<std::string>().empty())
      throw HttpError::validation(field + ".id", "Every node needs a string id");
    auto id = nodes[i]["id"].get<std::string>();
    if (!ids.insert(id).second) throw HttpError::validation(field + ".id", "Node id '" + id + "' appears twice");
    if (id == kStart || id == kEnd) continue;
    const json* binding = bindingOf(definition, nodes[i]);
    if (!binding)
      throw HttpError::validation(field, "Node '" + id + "' is bound to no step type; give it bindings." + id +
                                             " {\"type\": ..., \"config\": {...}}");
    auto where = definition.contains("bindings") && definition["bindings"].contains(id) ? "bindings." + id : field + ".data.step";
    if (!binding->is_object() || !binding->contains("type") || !(*binding)["type"].is_string())
      throw HttpError::validation(where + ".type", "Name the step type that runs node '" + id + "'");
    if (binding->contains("config") && !(*binding)["config"].is_object())
      throw HttpError::validation(where + ".config", "Must be an object");
  }
  if (!ids.count(kStart)) throw HttpError::validation("nodes", "A LangGraph graph starts at a node __start__");

  std::map<std::string, std::vector<std::pair<std::string, std::size_t>>> next; // source -> (target, edge index)
  const auto& edges = definition["edges"];
  for (std::size_t i = 0; i < edges.size(); ++i) {
    auto field = "edges[" + std::to_string(i) + "]";
    const auto& edge = edges[i];
    if (!edge.is_object()) throw HttpError::validation(field, "Must be an object {source, target}");
    for (const char* end : {"source", "target"})
      if (!edge.contains(end) || !edge[end].is_string() || !ids.count(edge[end].get<std::string>()))
        throw HttpError::validation(field + "." + end, std::string("Must name a node of the graph"));
    if (edge["source"] == kEnd) throw HttpError::validation(field + ".source", "Nothing follows __end__");
    if (edge["target"] == kStart) throw HttpError::validation(field + ".target", "Nothing leads back to __start__");
    if (edge.value("conditional", false) && !(edge.contains("data") && edge["data"].is_string()))
      throw HttpError::validation(field + ".data", "A conditional edge carries its branch label as a string");
    next[edge["source"].get<std::string>()].emplace_back(edge["target"].get<std::string>(), i);
  }
  if (definition.contains("state")) {
    if (!definition["state"].is_object()) throw HttpError::validation("state", "Must be an object of channel -> reducer");
    for (const auto& [channel, reducer] : definition["state"].items()) {
      auto name = reducer.is_object() ? reducer.value("reducer", json()) : reducer;
      if (name != "replace" && name != "append")
        throw HttpError::validation("state." + channel, "The reducer must be replace or append (add_messages appends)");
    }
  }
}

/// Whether an edge leads back to a node still on the path (depth-first from __start__ and the rest).
bool hasCycle(const json& definition) {
  std::map<std::string, std::vector<std::string>> next;
  for (const auto& edge : definition["edges"]) next[edge["source"].get<std::string>()].push_back(edge["target"].get<std::string>());
  std::map<std::string, int> colour; // 0 new, 1 on the path, 2 done
  bool cycle = false;
  std::function<void(const std::string&)> visit = [&](const std::string& id) {
    colour[id] = 1;
    for (const auto& target : next[id]) {
      if (colour[target] == 1) cycle = true;
      if (colour[target] == 0) visit(target);
    }
    colour[id] = 2;
  };
  for (const auto& node : definition["nodes"])
    if (colour[node["id"].get<std::string>()] == 0) visit(node["id"].get<std::string>());
  return cycle;
}

json compile(const json& definition) {
  validate(definition);
  json nodes = json::array(), edges = json::array();
  for (const auto& node : definition["nodes"]) {
    auto id = node["id"].get<std::string>();
    if (id == kEnd) continue;
    if (id == kStart) {
      nodes.push_back({{"id", kStart}, {"type", "start"}});
      continue;
    }
    const json& binding = *bindingOf(definition, node);
    json step = {{"id", id}, {"type", binding["type"]}, {"data", binding.value("config", json::object())}};
    if (node.contains("data") && node["data"].is_object() && node["data"].contains("name") && node["data"]["name"].is_string())
      step["name"] = node["data"]["name"];
    nodes.push_back(step);
  }
  std::size_t n = 0;
  for (const auto& edge : definition["edges"]) {
    if (edge["target"] == kEnd) continue; // that path ends
    json out = {{"id", "e" + std::to_string(++n)}, {"source", edge["source"]}, {"target", edge["target"]}};
    if (edge.value("conditional", false)) out["condition"] = {{"branch", edge["data"]}};
    edges.push_back(out);
  }
  json graph = {{"nodes", nodes}, {"edges", edges}};
  // LangGraph bounds every run by recursion_limit (25 unless configured);
  // the engine needs it only to run a cycle.
  if (definition.contains("recursion_limit") || hasCycle(definition))
    graph["recursion_limit"] = definition.value("recursion_limit", kDefaultRecursionLimit);
  if (definition.contains("state")) {
    graph["state"] = json::object();
    for (const auto& [channel, reducer] : definition["state"].items())
      graph["state"][channel] = reducer.is_object() ? reducer["reducer"] : reducer;
  }
  if (definition.contains("project")) {
    // Kept on the start step, where the engine never reads it, for the export.
    json kept = {{"project", definition["project"]}};
    if (definition.contains("graph")) kept["graph"] = definition["graph"];
    for (auto& node : graph["nodes"])
      if (node["id"] == kStart) node["data"] = {{orch::kStepSourceKey, kept}};
  }
  return graph;
}

json exportGraph(const json& graph) {
  json nodes = json::array(), edges = json::array(), bindings = json::object(), exported = json::object();
  std::set<std::string> sources;
  for (const auto& edge : graph.value("edges", json::array())) sources.insert(edge.value("source", std::string()));
  for (const auto& node : graph.value("nodes", json::array())) {
    auto id = node.value("id", std::string());
    if (id == kStart) {
      nodes.push_back({{"id", kStart}, {"type", "runnable"}, {"data", {{"name", kStart}}}});
      const auto kept = node.value("data", json::object()).value(orch::kStepSourceKey, json());
      if (kept.is_object()) exported.update(kept);
      continue;
    }
    json data = json::object();
    if (node.contains("name") && node["name"].is_string() && !node["name"].get<std::string>().empty()) data["name"] = node["name"];
    nodes.push_back({{"id", id}, {"type", "runnable"}, {"data", data}});
    auto config = node.contains("data") ? node["data"] : node.value("config", json::object());
    bindings[id] = {{"type", node.value("type", std::string())}, {"config", config}};
  }
  nodes.push_back({{"id", kEnd}});
  for (const auto& edge : graph.value("edges", json::array())) {
    json out = {{"source", edge["source"]}, {"target", edge["target"]}};
    if (edge.contains("condition") && edge["condition"].is_object() && edge["condition"].contains("branch")) {
      out["conditional"] = true;
      out["data"] = edge["condition"]["branch"];
    }
    edges.push_back(out);
  }
  for (const auto& node : graph.value("nodes", json::array()))
    if (!sources.count(node.value("id", std::string()))) edges.push_back({{"source", node["id"]}, {"target", kEnd}});
  exported.update({{"nodes", nodes}, {"edges", edges}, {"bindings", bindings}});
  for (const char* kept : {"recursion_limit", "state"})
    if (graph.contains(kept)) exported[kept] = graph[kept];
  return exported;
}

} // namespace

orch::FrameworkAdapter langGraphAdapter() { return {.validate = validate, .compile = compile, .exportGraph = exportGraph}; }

} // namespace agents::frameworks
