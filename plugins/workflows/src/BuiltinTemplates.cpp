// The built-in templates are the files plugins/workflows/templates/*.json,
// compiled in by orchestrator_embed (plugins/workflows/CMakeLists.txt), in the
// order of their names.
#include "BuiltinTemplates.h"

#include "workflows_templates.h"

namespace workflows {

const std::vector<orch::json>& builtinTemplates() {
  static const std::vector<orch::json> templates = [] {
    std::vector<orch::json> parsed;
    for (const auto& file : workflows_templates()) parsed.push_back(orch::json::parse(file.text));
    return parsed;
  }();
  return templates;
}

} // namespace workflows
