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
///   Wait                                 -> delay
///   Send Email                           -> email
///   OpenAI                               -> ai_prompt
///   Merge, No Operation, Respond to Webhook -> transform (passes its input on)
///
/// Expressions of the common forms become placeholders: `{{ $json.x }}` reads
/// the output of the node before, `$('Node').item.json.x` that node's output,
/// `$input.item.json.x` the same as `$json`. Code is never evaluated: a node
/// that needs it (Code, Function, an expression with more than a path), the
/// AI Agent node (its tool loop is not built yet) and an unknown type are a
/// 422 naming the node and its type. Sticky notes are ignored. Each step keeps
/// its node as n8n wrote it under `x-source` (orch::kStepSourceKey), with
/// `retryOnFail`, `maxTries`, `onError` and `credentials`, which are carried
/// but not applied yet; export gives those nodes back unchanged.
orch::FrameworkAdapter n8nAdapter();

} // namespace agents::frameworks
