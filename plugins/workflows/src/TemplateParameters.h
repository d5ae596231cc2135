#pragma once

#include <orchestrator/plugin.hpp>

#include <map>
#include <string>

namespace workflows {

/// A template's typed parameters (string, number, email, boolean; required;
/// default) and the filling of `{{name}}` placeholders anywhere in a graph.
/// A parameter names its fields `type`, `required` and `default`, or
/// `parameter_type`, `is_required` and `default_value`; it is stored with the
/// first names and answered with both.
class TemplateParameters {
public:
  /// Checks a template's parameter list; throws a 422 naming the field
  /// ("parameters[1].type", "parameters[0].is_required").
  static TemplateParameters parse(const orch::json& parameters);
  /// A stored list as answered: every field under both of its names
  /// (default_value null when there is no default).
  static orch::json answer(const orch::json& stored);

  /// Typed and required checks of the client's values, defaults applied.
  /// Throws a 422 naming "parameter_values.<name>".
  std::map<std::string, orch::json> resolve(const orch::json& values) const;
  /// A value of each parameter's type, for checking a template's configs
  /// before anyone instantiates it.
  std::map<std::string, orch::json> samples() const;

  /// Replaces `{{name}}` of the given names in every string of `value`: a
  /// string that is only the placeholder takes the typed value, one inside
  /// text takes its text. Other placeholders ({{steps.x.output}}, inputs)
  /// stay for run time.
  static orch::json fill(const orch::json& value, const std::map<std::string, orch::json>& values);

  const orch::json& json() const { return list_; }

private:
  orch::json list_ = orch::json::array();
};

} // namespace workflows
