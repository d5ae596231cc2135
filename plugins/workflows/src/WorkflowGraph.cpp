#include "WorkflowGraph.h"

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <utility>

namespace workflows {

using orch::HttpError;
using orch::json;

namespace {

std::string at(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
std::string at(const std::string& path, std::size_t index) { return path + "[" + std::to_string(index) + "]"; }

/// The member `key` of `object`, or null when absent or JSON null: clients
/// send null for "not given" as often as they leave the key out.
const json* member(const json& object, const std::string& key) {
  auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

const json& requireObject(const json& value, const std::string& field, const std::string& label) {
  if (!value.is_object()) throw HttpError::validation(field, label + " must be an object");
  return value;
}

const json& requireArray(const json& value, const std::string& field, const std::string& label) {
  if (!value.is_array()) throw HttpError::validation(field, label + " must be an array");
  return value;
}

std::string requireString(const json& value, const std::string& field, const std::string& label) {
  if (!value.is_string()) throw HttpError::validation(field, label + " must be a string");
  auto text = value.get<std::string>();
  if (text.empty()) throw HttpError::validation(field, label + " cannot be empty");
  return text;
}

/// object[key] as a non-empty string; "<label> is required" when absent.
std::string requiredString(const json& object, const std::string& key, const std::string& path, const std::string& label) {
  const json* value = member(object, key);
  if (!value) throw HttpError::validation(at(path, key), label + " is required");
  return requireString(*value, at(path, key), label);
}

/// object[key] as a string, possibly empty; "" when absent.
std::string optionalString(const json& object, const std::string& key, const std::string& path, const std::string& label) {
  const json* value = member(object, key);
  if (!value) return {};
  if (!value->is_string()) throw HttpError::validation(at(path, key), label + " must be a string");
  return value->get<std::string>();
}

/// A node's position: {x, y} with numbers, or null.
json readPosition(const json& object, const std::string& path) {
  const json* position = member(object, "position");
  if (!position) return nullptr;
  const std::string field = at(path, "position");
  requireObject(*position, field, "Position");
  for (const char* axis : {"x", "y"}) {
    const json* coordinate = member(*position, axis);
    if (!coordinate || !coordinate->is_number())
      throw HttpError::validation(at(field, axis), std::string("Position ") + axis + " must be a number");
  }
  return json{{"x", (*position)["x"]}, {"y", (*position)["y"]}};
}

void checkLimits(std::size_t nodes, std::size_t edges, const std::string& nodesField, const std::string& edgesField) {
  if (nodes > WorkflowGraph::kMaxNodes)
    throw HttpError::validation(nodesField, "A workflow can have at most " + std::to_string(WorkflowGraph::kMaxNodes) +
                                                " steps, this one has " + std::to_string(nodes));
  if (edges > WorkflowGraph::kMaxEdges)
    throw HttpError::validation(edgesField, "A workflow can have at most " + std::to_string(WorkflowGraph::kMaxEdges) +
                                                " connections, this one has " + std::to_string(edges));
}

std::string unknownStep(const std::string& id) { return "Unknown step '" + id + "'"; }

} // namespace

/// Turns one request shape into the graph's members, in request order.
class WorkflowGraph::Reader {
public:
  explicit Reader(WorkflowGraph& graph) : graph_(graph) {}

  void readSteps(const json& steps) {
    graph_.nodesField_ = graph_.edgesField_ = "steps";
    requireArray(steps, "steps", "Steps");
    checkLimits(steps.size(), 0, "steps", "steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::string path = at("steps", i);
      const json& step = requireObject(steps[i], path, "A step");
      Node node = readNode(step, path, "step-" + std::to_string(i + 1));
      node.config = readConfig(step, path);
      addNode(std::move(node));
    }
    // Dependencies may name any step, earlier or later, so they are read once all ids are known.
    for (std::size_t i = 0; i < steps.size(); ++i) readDependencies(steps[i], graph_.nodes_[i]);
    checkLimits(graph_.nodes_.size(), graph_.edges_.size(), "steps", "steps");
  }

  void readNodesAndEdges(const json& container, const std::string& path) {
    graph_.nodesField_ = at(path, "nodes");
    graph_.edgesField_ = at(path, "edges");
    requireObject(container, path, "The workflow graph");
    const json* nodes = member(container, "nodes");
    if (!nodes) throw HttpError::validation(graph_.nodesField_, "A workflow needs nodes");
    requireArray(*nodes, graph_.nodesField_, "Nodes");
    const json* edges = member(container, "edges");
    if (edges) requireArray(*edges, graph_.edgesField_, "Edges");
    checkLimits(nodes->size(), edges ? edges->size() : 0, graph_.nodesField_, graph_.edgesField_);

    for (std::size_t i = 0; i < nodes->size(); ++i) {
      const std::string nodePath = at(graph_.nodesField_, i);
      const json& object = requireObject((*nodes)[i], nodePath, "A node");
      Node node = readNode(object, nodePath, std::nullopt);
      readNodeData(object, nodePath, node);
      addNode(std::move(node));
    }
    if (edges)
      for (std::size_t i = 0; i < edges->size(); ++i) readEdge((*edges)[i], at(graph_.edgesField_, i));
    if (const json* settings = member(container, "settings"))
      graph_.settings_ = requireObject(*settings, at(path, "settings"), "Settings");
    readLoopAndState(container, path);
  }

  /// recursion_limit and state, beside the nodes (or the steps).
  void readLoopAndState(const json& container, const std::string& path) {
    if (const json* limit = member(container, "recursion_limit")) {
      if (!limit->is_number_integer() || limit->get<std::int64_t>() < 1 || limit->get<std::int64_t>() > kMaxRecursionLimit)
        throw HttpError::validation(at(path, "recursion_limit"), "Must be a whole number from 1 to 10000");
      graph_.recursionLimit_ = limit->get<std::int64_t>();
    }
    if (const json* state = member(container, "state")) {
      requireObject(*state, at(path, "state"), "The state");
      for (const auto& [channel, reducer] : state->items()) {
        auto name = reducer.is_object() ? reducer.value("reducer", json()) : reducer;
        if (name != "replace" && name != "append")
          throw HttpError::validation(at(at(path, "state"), channel), "The reducer must be replace or append");
        graph_.state_[channel] = name;
      }
    }
  }

private:
  /// What every shape shares: id (or the generated one), type, name, position.
  Node readNode(const json& object, const std::string& path, const std::optional<std::string>& generatedId) {
    Node node;
    node.path = path;
    node.id = generatedId && !member(object, "id") ? *generatedId : requiredString(object, "id", path, "Step id");
    node.type = requiredString(object, "type", path, "Step type");
    node.name = optionalString(object, "name", path, "Step name");
    node.position = readPosition(object, path);
    return node;
  }

  static json readConfig(const json& object, const std::string& path) {
    const json* config = member(object, "config");
    return config ? requireObject(*config, at(path, "config"), "Step config") : json::object();
  }

  /// React Flow nodes keep the label and the config in `data`:
  /// either flat beside the label or nested as data.config. Top-level `name`
  /// and `config` win when a client sends them.
  static void readNodeData(const json& object, const std::string& path, Node& node) {
    const json* data = member(object, "data");
    if (data) requireObject(*data, at(path, "data"), "Node data");
    if (node.name.empty() && data) node.name = optionalString(*data, "label", at(path, "data"), "Node label");
    if (member(object, "config") || !data) {
      node.config = readConfig(object, path);
    } else if (member(*data, "config")) {
      node.config = readConfig(*data, at(path, "data"));
    } else {
      node.config = *data;
      node.config.erase("label");
    }
  }

  void addNode(Node node) {
    auto [existing, inserted] = graph_.indexById_.emplace(node.id, graph_.nodes_.size());
    if (!inserted) throw HttpError::validation(at(node.path, "id"), "Duplicate step id '" + node.id + "'");
    graph_.nodes_.push_back(std::move(node));
  }

  void readDependencies(const json& step, const Node& node) {
    const json* dependencies = member(step, "dependencies");
    if (!dependencies) return;
    const std::string field = at(node.path, "dependencies");
    requireArray(*dependencies, field, "Dependencies");
    for (std::size_t j = 0; j < dependencies->size(); ++j) {
      const std::string path = at(field, j);
      std::string source = requireString((*dependencies)[j], path, "A dependency");
      requireKnown(source, path);
      addEdge(Edge{source + "->" + node.id, source, node.id, nullptr, path}, path,
              "Duplicate dependency '" + source + "'");
    }
  }

  void readEdge(const json& value, const std::string& path) {
    const json& object = requireObject(value, path, "An edge");
    Edge edge;
    edge.path = path;
    edge.source = requiredString(object, "source", path, "Edge source");
    edge.target = requiredString(object, "target", path, "Edge target");
    requireKnown(edge.source, at(path, "source"));
    requireKnown(edge.target, at(path, "target"));
    edge.id = member(object, "id") ? requiredString(object, "id", path, "Edge id") : edge.source + "->" + edge.target;
    if (const json* condition = member(object, "condition")) edge.condition = *condition;
    std::string duplicate = "Duplicate edge id '" + edge.id + "'";
    addEdge(std::move(edge), at(path, "id"), duplicate);
  }

  void requireKnown(const std::string& id, const std::string& field) const {
    if (!graph_.indexById_.count(id)) throw HttpError::validation(field, unknownStep(id));
  }

  void addEdge(Edge edge, const std::string& duplicateField, const std::string& duplicateIssue) {
    if (!edgeIds_.insert(edge.id).second) throw HttpError::validation(duplicateField, duplicateIssue);
    graph_.edges_.push_back(std::move(edge));
  }

  WorkflowGraph& graph_;
  std::unordered_set<std::string> edgeIds_;
};

WorkflowGraph WorkflowGraph::fromRequest(const json& body) {
  if (!body.is_object()) throw HttpError::validation("body", "The request body must be a JSON object");
  WorkflowGraph graph;
  Reader reader(graph);
  if (const json* steps = member(body, "steps")) {
    reader.readSteps(*steps);
    reader.readLoopAndState(body, "");
  } else if (const json* definition = member(body, "definition")) {
    reader.readNodesAndEdges(*definition, "definition");
  } else if (const json* workflowData = member(body, "workflow_data")) {
    reader.readNodesAndEdges(*workflowData, "workflow_data");
  } else {
    throw HttpError::validation("steps", "A workflow needs steps, definition or workflow_data");
  }
  return graph;
}

void WorkflowGraph::validateStructure() const {
  checkLimits(nodes_.size(), edges_.size(), nodesField_, edgesField_);

  std::vector<std::vector<std::size_t>> successors(nodes_.size());
  for (const auto& edge : edges_) successors[indexOf(edge.source)].push_back(indexOf(edge.target));

  // Depth-first search with an explicit stack; reaching a step that is still
  // on the current path closes a cycle through the step we came from.
  enum : std::uint8_t { kUnseen, kOnPath, kDone };
  std::vector<std::uint8_t> state(nodes_.size(), kUnseen);
  std::vector<std::pair<std::size_t, std::size_t>> stack; // (step, next successor to visit)
  for (std::size_t start = 0; start < nodes_.size(); ++start) {
    if (state[start] != kUnseen) continue;
    state[start] = kOnPath;
    stack.emplace_back(start, 0);
    while (!stack.empty()) {
      auto& [step, next] = stack.back();
      if (next == successors[step].size()) {
        state[step] = kDone;
        stack.pop_back();
        continue;
      }
      std::size_t successor = successors[step][next++];
      if (state[successor] == kOnPath && !recursionLimit_)
        throw HttpError::validation(nodes_[step].path, "Cycle through step '" + nodes_[step].id +
                                                           "' (a graph with cycles needs recursion_limit to bound them)");
      if (state[successor] == kUnseen) {
        state[successor] = kOnPath;
        stack.emplace_back(successor, 0);
      }
    }
  }
}

json WorkflowGraph::toSteps() const {
  std::vector<json> dependencies(nodes_.size(), json::array());
  for (const auto& edge : edges_) dependencies[indexOf(edge.target)].push_back(edge.source);
  json steps = json::array();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    steps.push_back({{"id", node.id},
                     {"type", node.type},
                     {"name", node.name},
                     {"config", node.config},
                     {"position", node.position},
                     {"dependencies", std::move(dependencies[i])}});
  }
  return steps;
}

json WorkflowGraph::toDefinition() const {
  json nodes = json::array();
  for (const Node& node : nodes_) {
    // Flat beside the label, as React Flow clients send it, unless a config key would
    // collide with "label" or "config"; then nested, so reading it back is exact.
    json data;
    if (node.config.contains("label") || node.config.contains("config")) {
      data = {{"label", node.name}, {"config", node.config}};
    } else {
      data = node.config;
      data["label"] = node.name;
    }
    nodes.push_back(
        {{"id", node.id}, {"type", node.type}, {"name", node.name}, {"data", std::move(data)}, {"position", node.position}});
  }
  json edges = json::array();
  for (const Edge& edge : edges_) {
    json rendered = {{"id", edge.id}, {"source", edge.source}, {"target", edge.target}};
    if (!edge.condition.is_null()) rendered["condition"] = edge.condition;
    edges.push_back(std::move(rendered));
  }
  json definition = {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
  if (recursionLimit_) definition["recursion_limit"] = recursionLimit_;
  if (!state_.empty()) definition["state"] = state_;
  return definition;
}

} // namespace workflows
