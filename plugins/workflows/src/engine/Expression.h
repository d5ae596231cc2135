#pragma once

#include "engine/Variables.h"

#include <orchestrator/plugin.hpp>

#include <stdexcept>
#include <string>

namespace workflows {

/// An expression that does not parse, or compares what cannot be compared.
class ExpressionError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The small expression language of `condition` and `transform` steps:
///   literals   42, 1.5, 'text', "text", true, false, null
///   variables  score, input.customer.tier, steps.classify.output.label,
///              {{steps.classify.output.label}} (the same, in braces)
///   operators  ( ) ! not - * / % + - < <= > >= == != contains in && and || or
/// `+` adds numbers and joins anything else as text; `a contains b` is true for
/// a substring, an array item or an object key; `a in b` is `b contains a`.
/// `&&` and `||` answer a boolean and short-circuit. A name that is not a
/// variable throws UnknownVariable; bad syntax throws ExpressionError naming
/// the position.
orch::json evaluate(const std::string& expression, const Variables& variables);

/// JavaScript's idea of true: not null, false, 0, "", [] or {}.
bool truthy(const orch::json& value);

} // namespace workflows
