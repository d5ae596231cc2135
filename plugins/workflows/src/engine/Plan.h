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
  };
  struct Step {
    std::string id, type, name;
    orch::json config;
    std::vector<Incoming> incoming;
    std::vector<std::size_t> outgoing;
    std::set<std::string> rawKeys; ///< config members the step reads unfilled (expressions)
    bool pure = false;             ///< its type only computes from config and input (ORCH_STEP_PURE)
  };

  /// What the engine needs to know of a step type beyond its name.
  struct StepTraits {
    std::set<std::string> rawKeys; ///< its schema's "x-no-template": config members not to template
    bool pure = false;
  };
  /// A step type's traits; nullopt when no loaded plugin registered that type.
  using TraitsOf = std::function<std::optional<StepTraits>(const std::string& type)>;
  Plan(const WorkflowGraph& graph, const TraitsOf& traitsOf);

  const std::vector<Step>& steps() const { return steps_; }
  /// Step types of this plan that no loaded plugin provides (a plugin disabled since).
  const std::vector<std::string>& unknownTypes() const { return unknownTypes_; }
  std::size_t size() const { return steps_.size(); }
  /// The index of a step id, or size() when unknown.
  std::size_t indexOf(const std::string& id) const;

  /// Whether the edge from step `from` (finished with `output`) to step `to`
  /// is taken. `evaluate` answers an edge's expression condition.
  bool taken(std::size_t from, std::size_t to, const orch::json& output,
             const std::function<bool(const std::string& expression)>& evaluate) const;

private:
  std::vector<Step> steps_;
  std::vector<std::string> unknownTypes_;
  std::unordered_map<std::string, std::size_t> index_;
};

} // namespace workflows
