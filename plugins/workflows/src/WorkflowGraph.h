#pragma once

#include <orchestrator/plugin.hpp>

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace workflows {

/// The one canonical form of a workflow: steps (nodes) joined by edges, an edge
/// meaning "target runs after source". Clients send it in three shapes
/// (`steps` with `dependencies`, `definition {nodes, edges}` as React Flow
/// draws it, `workflow_data {nodes, edges, settings}`); all become
/// this, and every response renders it back in both `steps` and `definition`.
/// Each node and edge keeps the request path it came from, so a later check
/// (a step type's config schema, a cycle) names the exact place in the body.
class WorkflowGraph {
public:
  /// One step.
  struct Node {
    std::string id;
    std::string type;
    std::string name;                              ///< empty when the client gave none
    orch::json config = orch::json::object();      ///< always an object
    orch::json position;                           ///< {x, y} or null
    std::string path;                              ///< e.g. "steps[2]", "definition.nodes[2]"
  };

  /// "target runs after source".
  struct Edge {
    std::string id;
    std::string source;
    std::string target;
    orch::json condition;                          ///< null when unconditional
    std::string path;                              ///< e.g. "definition.edges[3]", "steps[2].dependencies[0]"
  };

  static constexpr std::size_t kMaxNodes = 10000;  ///< more is refused with a 422
  static constexpr std::size_t kMaxEdges = 50000;  ///< more is refused with a 422

  /// Reads whichever shape `body` carries: `steps`, else `definition`, else
  /// `workflow_data` (a body echoing a response carries several; the route
  /// decides which one the client edited before calling this). Checks JSON
  /// types, ids (generated "step-N" for steps without one; duplicates refused)
  /// and that every dependency or edge names a known step. Throws
  /// orch::HttpError::validation naming the exact field.
  static WorkflowGraph fromRequest(const orch::json& body);

  /// Checks what needs the whole graph: the size limits and that no cycle
  /// exists unless the graph bounds its passes with `recursion_limit`
  /// (iteratively, so a 10,000-step chain cannot exhaust the stack).
  /// Throws orch::HttpError::validation naming one step of the cycle.
  void validateStructure() const;

  /// Seed 000's shape: [{id, type, name, config, position, dependencies}].
  orch::json toSteps() const;

  /// Seeds 001/002's shape: {nodes: [{id, type, name, data, position}], edges},
  /// `data` holding the label and the config as React Flow clients expect.
  orch::json toDefinition() const;

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Edge>& edges() const { return edges_; }
  /// workflow_data.settings as sent (an object), or null.
  const orch::json& settings() const { return settings_; }
  /// How many passes any one step may make in a graph with cycles; 0: the graph has none.
  std::int64_t recursionLimit() const { return recursionLimit_; }
  static constexpr std::int64_t kMaxRecursionLimit = 10000;
  /// The run's state channels and their reducers: {"messages": "append", "answer": "replace"}; empty: no state.
  const orch::json& state() const { return state_; }

private:
  class Reader;

  /// The position of the node with this id in nodes_; the id must exist.
  std::size_t indexOf(const std::string& id) const { return indexById_.at(id); }

  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  orch::json settings_;
  std::int64_t recursionLimit_ = 0;
  orch::json state_ = orch::json::object();
  std::unordered_map<std::string, std::size_t> indexById_;
  std::string nodesField_; ///< where the node list came from: "steps", "definition.nodes", ...
  std::string edgesField_; ///< where the edges came from: "steps" (dependencies), "definition.edges", ...
};

} // namespace workflows
