#pragma once

#include "WorkflowGraph.h"

#include <orchestrator/plugin.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace workflows {

/// A workflow version made ready to run: steps by index, who precedes and
/// follows whom, and which edges a branch decides. Immutable once built, so
/// every execution of that version shares one.
class Plan {
public:
  struct Incoming {
    std::size_t from;      ///< index of the preceding step
    orch::json condition;  ///< the edge's condition, null when unconditional
    /// The branches of the preceding step's config that lead here ("true"
    /// for true_step, ...); empty when its config names none.
    std::set<std::string> branches;
    /// The edge closes a cycle: taking it starts another pass of `to` and of
    /// everything after it, rather than waiting for `from` to settle.
    bool back = false;
  };
  struct Step {
    std::string id, type, name;
    orch::json config;
    std::vector<Incoming> incoming;
    std::vector<std::size_t> outgoing;
    std::set<std::string> rawKeys; ///< config members the step reads unfilled (expressions)
    bool pure = false;             ///< its type only computes from config and input (ORCH_STEP_PURE)
    std::vector<std::size_t> backEdges; ///< targets of this step's back edges
    /// For a back edge's target: itself and every step after it (back edges
    /// aside), which a new pass starts again. Empty for other steps.
    std::vector<std::size_t> pass;
  };

  /// What the engine needs to know of a step type beyond its name.
  struct StepTraits {
    std::set<std::string> rawKeys; ///< its schema's "x-no-template": config members not to template
    bool pure = false;
    bool hostOnly = false; ///< ORCH_STEP_HOST_ONLY: runs in the host even for a deployed agent
  };
  /// A step type's traits; nullopt when no loaded plugin registered that type.
  using TraitsOf = std::function<std::optional<StepTraits>(const std::string& type)>;
  Plan(const WorkflowGraph& graph, const TraitsOf& traitsOf);

  const std::vector<Step>& steps() const { return steps_; }
  /// Step types of this plan that no loaded plugin provides (a plugin disabled since).
  const std::vector<std::string>& unknownTypes() const { return unknownTypes_; }
  std::size_t size() const { return steps_.size(); }
  /// The most passes one step may make (the graph's recursion_limit); 0 for a graph without cycles.
  std::int64_t recursionLimit() const { return recursionLimit_; }
  /// State channels and their reducers ("replace", "append"); empty when the graph keeps no state.
  const orch::json& state() const { return state_; }
  /// The index of a step id, or size() when unknown.
  std::size_t indexOf(const std::string& id) const;

  /// The state a run starts with: [] for an append channel, null for a
  /// replace one. The input seeds it through the start step, which passes the
  /// input on as its output like any step's.
  orch::json initialState() const;
  /// Applies a step's output to the state: each member named like a channel
  /// replaces it or is appended to it (an array's items one by one).
  void reduce(orch::json& state, const orch::json& output) const;

  /// Whether the edge from step `from` (finished with `output`) to step `to`
  /// is taken. `evaluate` answers an edge's expression condition.
  bool taken(std::size_t from, std::size_t to, const orch::json& output,
             const std::function<bool(const std::string& expression)>& evaluate) const;

private:
  void markBackEdges();

  std::vector<Step> steps_;
  std::vector<std::string> unknownTypes_;
  std::int64_t recursionLimit_ = 0;
  orch::json state_;
  std::unordered_map<std::string, std::size_t> index_;
};

} // namespace workflows
