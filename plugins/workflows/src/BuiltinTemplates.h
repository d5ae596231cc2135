#pragma once

#include <orchestrator/plugin.hpp>

#include <vector>

namespace workflows {

/// The featured templates the plugin ships ("Customer Support Automation",
/// "Customer Onboarding Automation", "Lead Qualification", "Customer
/// Follow-up"), each {id, name, description, category, featured, tags,
/// preview_image?, parameters: [{name, type, required, default?,
/// description}], steps: [{id, type, name, config, position, dependencies}]},
/// `{{name}}` in configs naming a parameter and `{{steps.<id>.output}}` an
/// earlier step's output. Embedded in the library; the same JSON lives in
/// plugins/workflows/templates/ for readers (a test keeps the two equal).
/// Parsed once, read-only afterwards.
const std::vector<orch::json>& builtinTemplates();

} // namespace workflows
