#pragma once

#include <orchestrator/plugin.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace workflows {

/// A compiled JSON Schema (draft 7, through valijson) that a step's config is
/// checked against. Compiled once, when a step type is registered; afterwards
/// read-only, so one instance validates from any number of threads at once.
/// Copies share the compiled schema.
class ConfigSchema {
public:
  /// The first reason a value fails the schema, in the error envelope's terms.
  struct Problem {
    std::string field; ///< where, e.g. "steps[0].config.prompt"
    std::string issue; ///< why, as a sentence for people
  };

  /// Gives the document a remote "$ref" names (an absolute URI without its
  /// fragment), or nullopt when it cannot be had.
  using DocumentLoader = std::function<std::optional<orch::json>(const std::string& uri)>;

  /// Compiles `schema`; throws std::invalid_argument when it is not a valid
  /// draft-7 schema. Without a loader a remote "$ref" is refused: a server
  /// must not fetch URLs named by whoever registers a step type.
  static ConfigSchema compile(const orch::json& schema, const DocumentLoader& loader = nullptr);

  /// The first problem of `value`, its field being `basePath` followed by the
  /// location inside the value ("steps[0].config" + /prompt gives
  /// "steps[0].config.prompt", array items as "[2]"), or nullopt when valid.
  /// The issue is the failing property's "x-error-message" keyword when its
  /// schema carries one, else valijson's own description.
  std::optional<Problem> firstProblem(const orch::json& value, const std::string& basePath) const;

  /// Whether `value` satisfies the schema; cheaper than firstProblem.
  bool accepts(const orch::json& value) const;

private:
  struct Compiled;
  explicit ConfigSchema(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

  std::shared_ptr<const Compiled> compiled_;
};

} // namespace workflows
