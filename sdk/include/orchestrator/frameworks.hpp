// Agent-framework adapters: a plugin turns a framework's own definition (an
// n8n export, a CrewAI crew, a LangGraph graph, an Agno agent) into a
// workflow graph the engine runs, and back. Another plugin (agents) calls
// them through the host by framework name.
#pragma once

#include "boundary.hpp"

#include <functional>

namespace orch {

/// A framework adapter's hooks. `validate` throws HttpError::validation(field,
/// issue) on a problem; `compile` turns a definition into {"nodes","edges"};
/// `exportGraph` (may be empty) turns a graph back into the framework's format.
struct FrameworkAdapter {
  std::function<void(const json& definition)> validate;
  std::function<json(const json& definition)> compile;
  std::function<json(const json& graph)> exportGraph;
};

/// The config key under which a compiled step may keep what its framework
/// wrote (an n8n node as exported), so exportGraph can give it back as it
/// was: the engine never fills placeholders in it, and step types ignore it.
inline constexpr const char* kStepSourceKey = "x-source";

/// What validating a definition with another plugin's adapter found.
struct DefinitionProblem {
  std::string field; ///< e.g. "nodes[2].type"; empty for the whole definition
  std::string issue;
};

} // namespace orch
