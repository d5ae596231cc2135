#pragma once

#include <orchestrator/frameworks.hpp>

namespace agents::frameworks {

/// The `n8n` adapter: a workflow as n8n exports it (`nodes` with `type`,
/// `typeVersion`, `parameters`; `connections` by node name; `settings`),
/// compiled node by node into the built-in step types:
///
///   trigger (manual, webhook, schedule)  -> start
///   HTTP Request                         -> api_call
///   Set / Edit Fields                    -> transform (its assignments)
///   IF                                   -> condition (output 0 true, 1 false)
///   Switch (rules)                       -> a pass-through step; each output's edge
///                                           carries its rule (first match, or fallback)
///   Wait (time interval)                 -> delay
///   Wait (on a webhook or a form)        -> approval (POST executions/{id}/resume)
///   Send Email                           -> email
///   OpenAI                               -> ai_prompt
///   AI Agent with its sub-nodes          -> tool_loop (ai_languageModel: the model,
///                                           ai_tool HTTP Request tools: api_call tools,
///                                           ai_memory: the run's conversation)
///   Merge, No Operation, Respond to Webhook -> transform (passes its input on)
///
/// Expressions of the common forms become placeholders: `{{ $json.x }}` reads
/// the output of the node before, `$('Node').item.json.x` that node's output,
/// `$input.item.json.x` the same as `$json`. Code is never evaluated: a node
/// that needs it (Code, Function, an expression with more than a path), a tool
/// other than HTTP Request, an expression-mode Switch and an unknown type are a 422 naming the
/// node and its type. Sticky notes are ignored. A node's retryOnFail becomes
/// the step's retry_count and retry_delay. Each step keeps its node as n8n
/// wrote it under `x-source` (orch::kStepSourceKey), with `onError` and
/// `credentials`, which are carried but not applied yet, and an agent's
/// sub-nodes; export gives those nodes back unchanged.
orch::FrameworkAdapter n8nAdapter();

} // namespace agents::frameworks
