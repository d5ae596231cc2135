#include "engine/Plan.h"

namespace workflows {
namespace {

/// The branch names a condition's config gives `target`: "true" for
/// true_step, "false" for false_step, and each key (or `when`/`name`) of
/// `branches` that leads to it. Empty when the config says nothing of it.
std::set<std::string> branchesLeadingTo(const orch::json& config, const std::string& target) {
  std::set<std::string> names;
  auto names_step = [&](const orch::json& value) {
    if (value.is_string()) return value.get<std::string>() == target;
    if (value.is_array())
      for (const auto& item : value)
        if (item.is_string() && item.get<std::string>() == target) return true;
    return false;
  };
  if (names_step(config.value("true_step", orch::json()))) names.insert("true");
  if (names_step(config.value("false_step", orch::json()))) names.insert("false");
  auto branches = config.value("branches", orch::json());
  if (branches.is_object()) {
    for (const auto& [name, next] : branches.items())
      if (names_step(next)) names.insert(name);
  } else if (branches.is_array()) {
    for (const auto& branch : branches) {
      if (!branch.is_object()) continue;
      auto next = branch.contains("next") ? branch["next"] : branch.value("target", orch::json());
      auto name = branch.contains("when") ? branch["when"] : branch.value("name", orch::json());
      if (names_step(next) && !name.is_null()) names.insert(name.is_string() ? name.get<std::string>() : name.dump());
    }
  }
  return names;
}

std::string branchOf(const orch::json& output) {
  if (!output.is_object() || !output.contains("branch")) return {};
  const auto& branch = output["branch"];
  return branch.is_string() ? branch.get<std::string>() : branch.dump();
}

} // namespace

Plan::Plan(const WorkflowGraph& graph, const TraitsOf& traitsOf) {
  for (const auto& node : graph.nodes()) {
    index_[node.id] = steps_.size();
    auto traits = traitsOf(node.type);
    if (!traits && std::find(unknownTypes_.begin(), unknownTypes_.end(), node.type) == unknownTypes_.end())
      unknownTypes_.push_back(node.type);
    auto known = traits.value_or(StepTraits{});
    steps_.push_back({node.id, node.type, node.name.empty() ? node.id : node.name, node.config, {}, {},
                      std::move(known.rawKeys), known.pure});
  }
  for (const auto& edge : graph.edges()) {
    auto from = index_.at(edge.source), to = index_.at(edge.target);
    steps_[to].incoming.push_back({from, edge.condition, branchesLeadingTo(steps_[from].config, steps_[to].id)});
    steps_[from].outgoing.push_back(to);
  }
  recursionLimit_ = graph.recursionLimit();
  state_ = graph.state();
  if (recursionLimit_) markBackEdges();
}

void Plan::markBackEdges() {
  // Depth-first from the entry steps (no incoming edge) first, then from the
  // rest in order: an edge to a step on the current path closes a cycle.
  enum : std::uint8_t { kUnseen, kOnPath, kDone };
  std::vector<std::uint8_t> state(steps_.size(), kUnseen);
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < steps_.size(); ++i)
    if (steps_[i].incoming.empty()) starts.push_back(i);
  for (std::size_t i = 0; i < steps_.size(); ++i)
    if (!steps_[i].incoming.empty()) starts.push_back(i);
  std::vector<std::pair<std::size_t, std::size_t>> stack;
  for (auto start : starts) {
    if (state[start] != kUnseen) continue;
    state[start] = kOnPath;
    stack.emplace_back(start, 0);
    while (!stack.empty()) {
      auto& [step, next] = stack.back();
      if (next == steps_[step].outgoing.size()) {
        state[step] = kDone;
        stack.pop_back();
        continue;
      }
      auto successor = steps_[step].outgoing[next++];
      if (state[successor] == kOnPath) {
        for (auto& incoming : steps_[successor].incoming)
          if (incoming.from == step) incoming.back = true;
        steps_[step].backEdges.push_back(successor);
      } else if (state[successor] == kUnseen) {
        state[successor] = kOnPath;
        stack.emplace_back(successor, 0);
      }
    }
  }
  // What a pass through each back edge's target starts again.
  for (auto& step : steps_)
    for (auto target : step.backEdges) {
      auto& pass = steps_[target].pass;
      if (!pass.empty()) continue;
      std::vector<bool> seen(steps_.size(), false);
      std::vector<std::size_t> todo{target};
      seen[target] = true;
      while (!todo.empty()) {
        auto at = todo.back();
        todo.pop_back();
        pass.push_back(at);
        for (auto next : steps_[at].outgoing) {
          bool back = std::find(steps_[at].backEdges.begin(), steps_[at].backEdges.end(), next) != steps_[at].backEdges.end();
          if (!back && !seen[next]) seen[next] = true, todo.push_back(next);
        }
      }
    }
}

orch::json Plan::initialState() const {
  orch::json state = orch::json::object();
  for (const auto& [channel, reducer] : state_.items()) state[channel] = reducer == "append" ? orch::json::array() : orch::json();
  return state;
}

void Plan::reduce(orch::json& state, const orch::json& output) const {
  if (!output.is_object() || state_.empty()) return;
  for (const auto& [channel, reducer] : state_.items()) {
    auto found = output.find(channel);
    if (found == output.end()) continue;
    if (reducer != "append") {
      state[channel] = *found;
      continue;
    }
    auto& list = state[channel];
    if (!list.is_array()) list = orch::json::array();
    if (found->is_array())
      for (const auto& item : *found) list.push_back(item);
    else
      list.push_back(*found);
  }
}

std::size_t Plan::indexOf(const std::string& id) const {
  auto found = index_.find(id);
  return found == index_.end() ? steps_.size() : found->second;
}

bool Plan::taken(std::size_t from, std::size_t to, const orch::json& output,
                 const std::function<bool(const std::string& expression)>& evaluate) const {
  auto branch = branchOf(output);
  auto edgeTaken = [&](const Incoming& incoming) {
    if (!incoming.branches.empty()) return incoming.branches.count(branch) > 0;
    const auto& condition = incoming.condition;
    if (condition.is_null()) return true;
    // {"on": "error"|"success"}: whether the source failed and went on (on_error: continue).
    if (condition.is_object() && condition.contains("on")) {
      auto flag = output.is_object() ? output.find("failed") : output.end();
      bool failed = output.is_object() && flag != output.end() && *flag == true && output.contains("error");
      return failed == (condition["on"] == "error");
    }
    // {"branch": "true"}, "true", true: matched against the source's branch;
    // {"expression": "..."} or any other string: evaluated.
    if (condition.is_boolean()) return branch == (condition.get<bool>() ? "true" : "false");
    if (condition.is_object() && condition.contains("branch")) {
      const auto& wanted = condition["branch"];
      return branch == (wanted.is_string() ? wanted.get<std::string>() : wanted.dump());
    }
    std::string expression;
    if (condition.is_string()) expression = condition.get<std::string>();
    else if (auto found = condition.is_object() ? condition.find("expression") : condition.end();
             condition.is_object() && found != condition.end() && found->is_string())
      expression = found->get<std::string>();
    if (!branch.empty() && !condition.is_object()) return branch == expression;
    if (expression.empty()) return true;
    return evaluate(expression);
  };
  // Two edges may join the same steps (an IF's true and false outputs both
  // wired to one node): the step is reached when any of them is taken.
  bool joined = false;
  for (const auto& incoming : steps_[to].incoming) {
    if (incoming.from != from) continue;
    joined = true;
    if (edgeTaken(incoming)) return true;
  }
  return !joined;
}

} // namespace workflows
