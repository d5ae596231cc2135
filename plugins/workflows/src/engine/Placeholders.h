#pragma once

#include <orchestrator/plugin.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>

namespace workflows {

/// `{{ name }}` placeholders in JSON values: the one scanner behind template
/// parameters (filled when a template is instantiated) and run-time variables
/// (filled when a step runs).
namespace placeholders {

/// What a placeholder's name stands for; nullopt when it stands for nothing.
using Resolve = std::function<std::optional<orch::json>(const std::string& name)>;
/// Called with the name of a placeholder that `resolve` did not know; may throw.
using OnUnknown = std::function<void(const std::string& name)>;

/// Replaces placeholders in every string of `value` (object keys stay): a
/// string that is only one placeholder takes the value itself, typed; one
/// inside text takes its text (strings unquoted, the rest as JSON). An
/// unknown placeholder is left as written after `onUnknown` (when given) saw
/// it. Object members named in `rawKeys` (top level only) are left alone.
orch::json fill(const orch::json& value, const Resolve& resolve, const OnUnknown& onUnknown = {},
                const std::set<std::string>& rawKeys = {});

/// A value as it reads inside text: a string without quotes, anything else as JSON.
std::string text(const orch::json& value);

} // namespace placeholders
} // namespace workflows
