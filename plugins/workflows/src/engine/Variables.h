#pragma once

#include <orchestrator/plugin.hpp>

#include <optional>
#include <set>
#include <stdexcept>
#include <string>

namespace workflows {

/// A placeholder or expression named a variable that does not exist.
class UnknownVariable : public std::runtime_error {
public:
  explicit UnknownVariable(const std::string& name)
      : std::runtime_error("Unknown variable '" + name + "'"), name_(name) {}
  const std::string& name() const { return name_; }

private:
  std::string name_;
};

/// What a running step can read, as one JSON scope:
/// {"input": <the execution's input>, "steps": {"<id>": {"output": ...}},
///  "execution": {"id", "workflow_id", ...}}.
/// A name reads `steps.<id>.output.<path>`, `input.<path>`,
/// `execution.<field>`, or, bare, a path in the input (`{{customer_email}}`).
/// Paths use dots, and `[n]` or `.n` for array items.
class Variables {
public:
  explicit Variables(const orch::json& scope) : scope_(scope) {}

  /// The value a name stands for, or nullopt (a JSON null is a value).
  std::optional<orch::json> lookup(const std::string& name) const;
  /// `config` with every placeholder filled, except in the top-level members
  /// named in `rawKeys`. Throws UnknownVariable with the first unknown name.
  orch::json fill(const orch::json& config, const std::set<std::string>& rawKeys = {}) const;


private:
  const orch::json& scope_;
};

} // namespace workflows
