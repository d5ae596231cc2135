#pragma once

// What the adapters of frameworks whose agents are personas with a model
// (CrewAI, Agno) share: the model named as the framework names it, and a
// definition kept whole on the start step so that export gives it back.
#include <orchestrator/plugin.hpp>

#include <string>

namespace agents::frameworks {

/// "openai/gpt-4o", "openai:gpt-4o", "gpt-4o", {model|id, provider} as
/// tool_loop's `model` and `provider` (gemini is the ai plugin's google);
/// throws a 422 naming `field` for anything else. Null changes nothing.
void applyModel(const orch::json& model, orch::json& config, const std::string& field);

/// The start step of a compiled definition, carrying `definition` under x-source.
orch::json startKeeping(const orch::json& definition);

/// The definition the start step kept; a 422 when the graph has none (it was
/// not made from this framework).
orch::json keptDefinition(const orch::json& graph, const std::string& framework);

/// A member of a crew or team as a tool its manager or leader calls: a
/// tool_loop with the member's persona, model and tools, which takes turns
/// of its own (each committed) until it answers its caller.
orch::json delegateTo(const std::string& name, const std::string& description, orch::json persona);

/// Names that look like a Python class (SerperDevTool, DuckDuckGoTools):
/// a framework's own tools, which cannot run here.
bool isPythonTool(const std::string& name);

} // namespace agents::frameworks
