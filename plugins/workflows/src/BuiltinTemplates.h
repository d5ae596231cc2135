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
/// earlier step's output. The files of plugins/workflows/templates/, compiled
/// in at build time; parsed once, read-only afterwards.
const std::vector<orch::json>& builtinTemplates();

} // namespace workflows
