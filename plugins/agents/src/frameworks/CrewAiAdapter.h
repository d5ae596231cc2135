#pragma once

#include <orchestrator/frameworks.hpp>

namespace agents::frameworks {

/// The `crewai` adapter: a crew as CrewAI writes it, in either layout.
///
/// - Classic: `agents_yaml` and `tasks_yaml`, the text of config/agents.yaml
///   and config/tasks.yaml (text, because a JSON object would lose the order
///   the tasks run in; `tasks` as an array works too), with `process`,
///   `manager_llm` or `manager_agent`, and `llm`, the model for agents whose
///   YAML names none (CrewAI projects often set it in Python).
/// - JSON-first: `crew`, crew.jsonc (an object, or its text with comments),
///   and `agents`, each agents/<name>.jsonc by name (objects or text).
///
/// Each task becomes a `tool_loop` step run by its agent: role, goal and
/// backstory as its instructions, the description and expected output as its
/// prompt, `{placeholders}` filled from the run's input, and the outputs of
/// its `context` tasks (sequential: of the task before) given with it. Tools
/// must name step types (api_call, email, a plugin's): CrewAI's Python tools
/// cannot run here and are a 422 naming them. `process: hierarchical` is one
/// manager loop (manager_llm, or manager_agent's persona) whose tools are the
/// crew's agents: it delegates each task and answers with the crew's result;
/// a delegated agent works with its own tools until it answers. Exports give
/// the crew back as it came.
orch::FrameworkAdapter crewAiAdapter();

} // namespace agents::frameworks
