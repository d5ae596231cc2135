#pragma once

#include <orchestrator/frameworks.hpp>

namespace agents::frameworks {

/// The `agno` adapter: an agent as Agno's `Agent.to_dict()` writes it, or a
/// team of them.
///
/// - An agent (`model` as "openai:gpt-4o" or {id, provider}, `instructions` as
///   text or a list, `description`, `expected_output`, `tools`,
///   `tool_call_limit`) is one `tool_loop` answering the run's `message`.
///   Tools name step types; Agno's Python toolkits are a 422 naming them.
/// - A team (`members`, `mode`, `model`, `instructions`, `max_iterations`):
///   `coordinate` is a leader loop whose tools are the members; `route` the
///   same leader told to hand the request to the one member best suited and
///   answer with its reply; `broadcast` (older Agno's `collaborate`) runs every
///   member on the message in parallel, each with its own tools, and the leader
///   then answers from all their replies. Agno 2's `respond_directly` means
///   route and `delegate_task_to_all_members` broadcast when `mode` is absent.
/// Export gives the definition back as it came.
orch::FrameworkAdapter agnoAdapter();

} // namespace agents::frameworks
