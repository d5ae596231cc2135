#pragma once

#include <orchestrator/frameworks.hpp>

namespace agents::frameworks {

/// The `langgraph` adapter: the graph LangGraph serializes
/// (`get_graph().to_json()`: nodes, `__start__`/`__end__`, edges with
/// `conditional` and their branch label in `data`), each node bound to a step
/// type, by `bindings.<node> {type, config}` beside the graph or by
/// `data.step {type, config}` on the node itself; `recursion_limit` optional.
///
/// Compiled: `__start__` becomes a `start` step, every other node its bound
/// step, a conditional edge an edge taken when the source step's output names
/// its label as "branch"; edges into `__end__` end that path. Exported back:
/// the same nodes, a `__start__`, an `__end__` after every last node, the
/// bindings. A cycle is refused (the engine runs acyclic graphs so far).
orch::FrameworkAdapter langGraphAdapter();

} // namespace agents::frameworks
